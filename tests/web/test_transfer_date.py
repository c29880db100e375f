"""The Zengin export's transfer date: the next bank business day by default, never a day the
banks are closed."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from furusato.domain.bank_days import next_business_day
from furusato.domain.money import to_jst, utcnow
from furusato.domain.states import PayoutStatus
from furusato.models import Payout, User
from furusato.services.errors import ValidationFailed
from furusato.services.settlement import payouts
from tests.conftest import login
from tests.factories import make_project, make_user


def _approved(db: Session) -> tuple[Payout, User]:
    alice, bob = make_user(db, "staff"), make_user(db, "staff")
    project = make_project(db)
    payout = Payout(project_id=project.id, business_id=project.business_id, amount_yen=80_000)
    db.add(payout)
    db.flush()
    payouts.prepare(payout.id, alice, confirmed_amount_yen=80_000, account_checked=True)
    payouts.approve(payout.id, bob)
    return payout, bob


def test_the_form_offers_the_next_bank_business_day(client: FlaskClient, db: Session) -> None:
    """The transfer date field starts at the first bank business day after today (JST)."""
    page = login(client, make_user(db, "staff")).get("/staff/payouts").get_data(as_text=True)
    expected = next_business_day(to_jst(utcnow()).date())
    (field,) = re.findall(r'<input[^>]*name="transfer_date"[^>]*>', page)
    assert f'value="{expected.isoformat()}"' in field


@pytest.mark.parametrize(
    "closed",
    [date(2027, 4, 3), date(2027, 4, 4), date(2027, 4, 29), date(2027, 12, 31), date(2028, 1, 3)],
)
def test_a_closed_bank_day_is_refused(db: Session, closed: date) -> None:
    """Saturday, Sunday, a national holiday and Dec 31–Jan 3 are refused, naming the next
    business day; nothing is exported."""
    payout, bob = _approved(db)
    with pytest.raises(ValidationFailed) as refused:
        payouts.export(bob, closed)
    assert "銀行の休業日" in refused.value.message
    assert "transfer_date" in refused.value.fields
    assert payouts.get(payout.id).status == PayoutStatus.APPROVED


def test_a_past_date_is_refused_and_the_page_says_why(client: FlaskClient, db: Session) -> None:
    """A date before today is refused; the page shows the reason and exports nothing."""
    payout, bob = _approved(db)
    answer = login(client, bob).post(
        "/staff/payouts/export", data={"transfer_date": "2020-04-06"}, follow_redirects=True
    )
    assert "振込指定日が過ぎています" in answer.get_data(as_text=True)
    assert payouts.get(payout.id).status == PayoutStatus.APPROVED


def test_the_closed_day_refusal_writes_dates_in_the_page_language(
    client: FlaskClient, db: Session
) -> None:
    """The refusal names the closed day and the next business day as the page writes dates:
    2027年12月31日 on a Japanese page, Dec 31, 2027 on an English one."""
    payout, bob = _approved(db)
    login(client, bob)
    japanese = client.post(
        "/staff/payouts/export", data={"transfer_date": "2027-12-31"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "2027年12月31日は銀行の休業日です" in japanese
    assert "次の営業日は2028年1月4日です" in japanese
    client.set_cookie("lang", "en")
    english = client.post(
        "/staff/payouts/export", data={"transfer_date": "2027-12-31"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Banks are closed on Dec 31, 2027." in english
    assert "(the next business day is Jan 4, 2028)" in english
    assert "2027年12月31日" not in english
    assert payouts.get(payout.id).status == PayoutStatus.APPROVED
