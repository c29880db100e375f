"""No dead ends: every link of each role's main pages leads somewhere, and what a role needs is
linked (the business's payouts, the donor's receipts and annual summary, staff's settlements)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from furusato.models import Payout, Project, User
from furusato.services.fulfilment import receipts
from furusato.services.giving import donation_mail
from furusato.services.settlement import payouts
from tests.conftest import login
from tests.factories import make_donation, make_project, make_user
from tests.support.giving import give_form

HREF = re.compile(r'href="(/[^"]*)"')


def _links(client: FlaskClient, path: str) -> list[str]:
    page = client.get(path)
    assert page.status_code == 200, path
    return [
        href.replace("&amp;", "&")
        for href in HREF.findall(page.get_data(as_text=True))
        if not href.startswith(("/lang/", "/static/"))
    ]


def _all_lead_somewhere(client: FlaskClient, path: str) -> list[str]:
    links = _links(client, path)
    assert links
    for href in links:
        assert client.get(href).status_code == 200, f"{path} links to {href}"
    return links


def _funded(db: Session, business: User) -> Project:
    assert business.business is not None
    project = make_project(db, business.business)
    project.target_reached_at = datetime.now(UTC)
    db.flush()
    return project


def test_the_business_sees_its_payouts(client: FlaskClient, db: Session) -> None:
    """Amount, state in words, when it was approved, the transfer date and the account with
    its number masked; another business's payouts are not there."""
    business = make_user(db, "business")
    project = _funded(db, business)
    other = make_project(db)
    alice, bob = make_user(db, "staff"), make_user(db, "staff")
    mine = Payout(project_id=project.id, business_id=project.business_id, amount_yen=412_345)
    theirs = Payout(project_id=other.id, business_id=other.business_id, amount_yen=98_765)
    db.add_all([mine, theirs])
    db.flush()
    payouts.prepare(mine.id, alice, confirmed_amount_yen=412_345, account_checked=True)
    payouts.approve(mine.id, bob)
    payouts.export(bob, date(2027, 4, 5))
    page = login(client, business).get("/business/payouts").get_data(as_text=True)
    assert "¥412,345" in page and "98,765" not in page
    assert "振込データ作成済み" in page and "2027年4月5日" in page
    approved = payouts.get(mine.id).approved_at
    assert approved is not None and f"{approved.year}年" in page
    assert business.business is not None
    number = business.business.account_number
    assert number not in page and f"****{number[-3:]}" in page


def test_every_link_of_the_business_pages_leads_somewhere(client: FlaskClient, db: Session) -> None:
    """The dashboard links the payouts and the shipping list; a live campaign's page links its
    shipping list; none of their links is a 404."""
    business = make_user(db, "business")
    project = _funded(db, business)
    login(client, business)
    dashboard = _all_lead_somewhere(client, "/business/")
    assert "/business/payouts" in dashboard
    assert f"/business/projects/{project.id}/shipments" in dashboard
    page = _all_lead_somewhere(client, f"/business/projects/{project.id}")
    assert f"/business/projects/{project.id}/shipments" in page


def test_every_link_of_the_donor_page_leads_somewhere(client: FlaskClient, db: Session) -> None:
    """マイページ links the receipts and the year's annual summary; every link answers."""
    donor = make_user(db, "donor")
    project = make_project(db)
    donation = make_donation(db, project, user_id=donor.id, final_at=datetime.now(UTC))
    receipts.issue_receipts([donation.id])
    links = _all_lead_somewhere(login(client, donor), "/me")
    assert "/me/receipts" in links
    assert f"/me/receipts/{donation.tax_year}.pdf" in links


def test_every_link_of_the_staff_dashboard_leads_somewhere(
    client: FlaskClient, db: Session
) -> None:
    """The staff dashboard links the settlement page (and the reconciliation on it)."""
    staff = make_user(db, "staff")
    links = _all_lead_somewhere(login(client, staff), "/staff/")
    assert "/staff/settlements" in links


def test_a_members_confirmation_links_the_receipts_and_the_annual_summary(db: Session) -> None:
    """A donor with an account is sent to /me/receipts and the year's summary; a guest, who has
    no マイページ, is not."""
    donor = make_user(db, "donor")
    project = make_project(db, deadline=datetime.now(UTC) + timedelta(days=3))
    member = make_donation(db, project, user_id=donor.id)
    guest = make_donation(db, project)
    body = donation_mail.render_confirmation(member.id).body
    assert "/me/receipts\n" in body and f"/me/receipts/{member.tax_year}.pdf" in body
    assert "/me/receipts" not in donation_mail.render_confirmation(guest.id).body


def test_over_the_cap_the_give_page_says_how_much_room_is_left(
    client: FlaskClient, db: Session
) -> None:
    """A gift larger than what is left below the cap is refused with the room left, in the
    page's language, beside the amount."""
    project = make_project(db, eligible_cost_yen=40_000, reserved_total_yen=93_000)  # cap 100,000
    page = client.get(f"/projects/{project.id}/give").get_data(as_text=True)
    assert "上限額まで、あと¥7,000のご寄附を受け付けています" in page
    form = give_form(amount_yen="10000")
    japanese = client.post(f"/projects/{project.id}/give", data=form)
    assert japanese.status_code == 409
    assert "上限額まであと7,000円です" in japanese.get_data(as_text=True)
    client.set_cookie("lang", "en")
    english = client.post(
        f"/projects/{project.id}/give", data=give_form("tok-2", amount_yen="10000")
    )
    assert "7,000" in english.get_data(as_text=True) and "あと" not in english.get_data(
        as_text=True
    )
