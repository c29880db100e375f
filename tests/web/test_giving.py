"""The giving pages: the form, the payment page, the confirmation and the donor's page."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.models import Donation
from tests.conftest import login
from tests.factories import make_project, make_user
from tests.support.giving import RESIDENT_POSTAL_CODE, give_form
from tests.support.localstripe import TEST_CARDS, LocalStripe


def _token(location: str) -> str:
    match = re.search(r"/donations/([^/]+)$", location)
    assert match, location
    return match.group(1)


def test_give_page_tells_the_rules_before_paying(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """The form shows the miss policy, the JST tax-year rule and the resident rule."""
    project = make_project(db, miss_policy="refund")
    page = client.get(f"/projects/{project.id}/give").get_data(as_text=True)
    assert "全額返金" in page
    assert "日本時間" in page and "12月31日23時59分59秒" in page
    assert "返礼品はお送りできません" in page
    assert 'name="creation_token"' in page and "giving.js" in page


def test_each_course_carries_its_amount_for_the_form(client: FlaskClient, db: Session) -> None:
    """Choosing a course fills the amount in (giving.js reads the radio's data-amount)."""
    project = make_project(db)
    page = client.get(f"/projects/{project.id}/give").get_data(as_text=True)
    for tier in project.tiers:
        radio = re.search(rf'<input[^>]*value="{tier.id}"[^>]*>', page)
        assert radio is not None and f'data-amount="{tier.amount_yen}"' in radio.group(0)


def test_double_submit_makes_one_donation(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """Posting the same form twice leads to the same payment page and one donation."""
    project = make_project(db)
    url = f"/projects/{project.id}/give"
    first = client.post(url, data=give_form(tier=str(project.tiers[0].id), amount_yen="10000"))
    second = client.post(url, data=give_form(tier=str(project.tiers[0].id), amount_yen="10000"))
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert db.scalar(select(func.count()).select_from(Donation)) == 1


def test_invalid_form_shows_field_errors(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """Too small an amount and an unknown postal code are shown next to their fields."""
    project = make_project(db)
    response = client.post(
        f"/projects/{project.id}/give", data=give_form(amount_yen="1000", postal_code="0000000")
    )
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)
    response = client.post(f"/projects/{project.id}/give", data=give_form(postal_code="0000000"))
    assert response.status_code == 422
    assert "見つからない郵便番号" in response.get_data(as_text=True)


def test_resident_is_told_there_is_no_gift(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """A resident's donation goes on without a gift, and the payment page says so."""
    project = make_project(db)
    response = client.post(
        f"/projects/{project.id}/give",
        data=give_form(
            tier=str(project.tiers[0].id),
            amount_yen="10000",
            postal_code=RESIDENT_POSTAL_CODE,
            address="大阪府泉佐野市市場東1-1",
        ),
    )
    token = _token(response.headers["Location"])
    donation = db.scalar(select(Donation).where(Donation.access_token == token))
    assert donation is not None and donation.resident and not donation.gift
    page = client.get(f"/donations/{token}").get_data(as_text=True)
    assert "返礼品はありません" in page


def test_pay_page_then_confirmation(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """The payment page loads stripe.js; paying shows the tax year and the one-stop form link."""
    project = make_project(db)
    response = client.post(
        f"/projects/{project.id}/give",
        data=give_form(onestop="y", birth_date="1980-04-01", gender="female"),
    )
    token = _token(response.headers["Location"])
    page = client.get(f"/donations/{token}").get_data(as_text=True)
    assert get_settings().stripe_js_url in page and 'id="card-element"' in page
    donation = db.scalar(select(Donation).where(Donation.access_token == token))
    assert donation is not None and donation.setup_intent_id
    card = stripe_clean.confirm_setup(donation.setup_intent_id, TEST_CARDS["visa"])
    paid = client.post(f"/donations/{token}/pay", json={"payment_method": card}).get_json()
    assert paid["status"] == "paid" and paid["tax_year"]
    done = client.get(f"/donations/{token}").get_data(as_text=True)
    assert f"{paid['tax_year']}年分" in done
    assert f"/donations/{donation.id}/onestop-form.pdf?t={token}" in done
    # The miss policy is said once, under its label, not "目標に届かなかった場合: 目標に届かなかった場合、…"
    assert "目標に届かなかった場合: 寄附は全額返金され" in done
    assert done.count("目標に届かなかった場合") == 1


def test_declined_card_gets_a_japanese_message(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """A declined card answers with a clear message and leaves the donation payable."""
    project = make_project(db)
    token = _token(
        client.post(f"/projects/{project.id}/give", data=give_form()).headers["Location"]
    )
    declined = client.post(
        f"/donations/{token}/pay",
        json={"payment_method": stripe_clean.payment_method(TEST_CARDS["declined"])},
    ).get_json()
    assert declined["status"] == "failed" and "カードが承認されませんでした" in declined["message"]
    page = client.get(f"/donations/{token}").get_data(as_text=True)
    assert "カードが承認されませんでした" in page and 'id="pay-form"' in page


def test_pay_needs_the_csrf_header(csrf_app: Flask, db: Session, stripe_clean: LocalStripe) -> None:
    """The JSON pay endpoint is CSRF-protected like the forms."""
    project = make_project(db)
    from tests.support.giving import pledge

    made = pledge(project.id, amount_yen=5_000)
    response = csrf_app.test_client().post(
        f"/donations/{made.access_token}/pay", json={"payment_method": "pm_x"}
    )
    assert response.status_code == 400


def test_unknown_token_is_404(client: FlaskClient, db: Session) -> None:
    """A guessed payment-page address shows nothing."""
    assert client.get("/donations/not-a-real-token-at-all-xx").status_code == 404


def test_the_pay_call_reads_the_link_before_the_card(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """An unknown link is the not-found page whatever card it posts; a known link with an
    unreadable card is a 422 that names the card and charges nothing."""
    unknown = client.post(f"/donations/{'x' * 32}/pay", json={"payment_method": "not-a-card"})
    assert unknown.status_code == 404 and unknown.mimetype == "text/html"
    project = make_project(db)
    from tests.support.giving import pledge

    made = pledge(project.id, amount_yen=5_000)
    unreadable = client.post(
        f"/donations/{made.access_token}/pay", json={"payment_method": "not-a-card"}
    )
    assert unreadable.status_code == 422
    assert unreadable.get_json() == {
        "status": "failed",
        "message": "カード情報を確認できませんでした。",
    }
    assert client.get(f"/donations/{made.access_token}/status").get_json()["status"] == "pending"


def test_donor_page_lists_donations_and_prefills_the_next_form(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """A logged-in donor sees their donations with the tax year, and the form is prefilled."""
    user = make_user(db, "donor")
    project = make_project(db)
    login(client, user)
    token = _token(
        client.post(f"/projects/{project.id}/give", data=give_form(name="佐野 一郎")).headers[
            "Location"
        ]
    )
    donation = db.scalar(select(Donation).where(Donation.access_token == token))
    assert donation is not None and donation.user_id == user.id
    card = stripe_clean.confirm_setup(donation.setup_intent_id or "", TEST_CARDS["visa"])
    client.post(f"/donations/{token}/pay", json={"payment_method": card})
    page = client.get("/me").get_data(as_text=True)
    assert project.title in page and "決済完了" in page and "年分" in page
    form = client.get(f"/projects/{project.id}/give").get_data(as_text=True)
    assert 'value="佐野 一郎"' in form
