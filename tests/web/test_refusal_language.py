"""A service's refusal is shown in the page's language: flashes, field errors, the error page,
the rule violations and the payment page's JSON. The JSON API keeps the Japanese message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from furusato.models import Donation, Payout
from tests.conftest import login
from tests.factories import make_project, make_tier, make_user
from tests.support.giving import give_form, pledge
from tests.test_translations import JAPANESE


def _post(client: FlaskClient, url: str, data: dict[str, Any] | None = None) -> tuple[int, str]:
    response = client.post(url, data=data or {})
    return response.status_code, response.get_data(as_text=True)


def test_give_form_refusal_flash_and_field_follow_the_language(
    client: FlaskClient, db: Session
) -> None:
    """An unknown postal code is refused by the service: its flash and the postal code's own
    error are Japanese on a Japanese page and English on an English one."""
    url = f"/projects/{make_project(db).id}/give"
    form = give_form("tok-language", postal_code="0000000")  # no such postal code
    status, japanese = _post(client, url, form)
    assert status == 422
    assert "入力内容をご確認ください。" in japanese
    assert "見つからない郵便番号です。" in japanese
    client.set_cookie("lang", "en")
    status, english = _post(client, url, form)
    assert status == 422
    assert "Please check what you entered." in english
    assert "Postal code not found." in english
    assert "入力内容をご確認ください" not in english and "見つからない郵便番号" not in english


def test_staff_form_refusal_flash_and_field_follow_the_language(
    client: FlaskClient, db: Session
) -> None:
    """A payout prepared with the wrong amount: the service's flash and its message beside the
    amount field follow the staff member's language (here their account's locale)."""
    project = make_project(db)
    payout = Payout(project_id=project.id, business_id=project.business_id, amount_yen=50_000)
    db.add(payout)
    db.flush()
    url = f"/staff/payouts/{payout.id}/prepare"
    form = {"confirmed_amount_yen": "1", "account_checked": "y"}
    login(client, make_user(db, "staff"))
    status, japanese = _post(client, url, form)
    assert status == 422
    assert "支払額と振込先口座を確認してください。" in japanese
    assert "確認した金額が支払額と一致しません。" in japanese
    login(client, make_user(db, "staff", locale="en"))
    status, english = _post(client, url, form)
    assert status == 422
    assert "Please check the payout amount and the bank account." in english
    assert "The confirmed amount does not match the payout amount." in english
    assert "一致しません" not in english


def test_submit_refusal_and_its_violations_follow_the_language(
    client: FlaskClient, db: Session
) -> None:
    """A refused submission's flash counts the problems, and each rule's message is filled in
    with its amounts and, for banned wording, the field's own label, in the page's language."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business, status="draft", title="激安タオル", tiers=0)
    make_tier(db, project, procurement_cost_yen=3_500, local_evidence="")
    login(client, owner)
    url = f"/business/projects/{project.id}/submit"
    status, japanese = _post(client, url)
    assert status == 422
    assert "提出できません。4件の問題を直してください。" in japanese
    assert "返礼品の調達費（3,500円）が寄附額の3割（3,000円）を超えています。" in japanese
    assert "タイトルに使えない表現「激安」が含まれています" in japanese
    client.set_cookie("lang", "en")
    status, english = _post(client, url)
    assert status == 422
    assert "The project cannot be submitted yet. Please fix 4 problem(s)." in english
    assert "(¥3,500) is more than 30% of the donation amount (¥3,000)." in english
    assert "Title contains wording that is not allowed: 「激安」" in english
    assert "Please explain why it is a local product" in english
    assert "寄附額の3割" not in english and "使えない表現" not in english


def test_service_error_page_follows_the_language(client: FlaskClient, db: Session) -> None:
    """A refusal no view catches (an unknown payment page) fills the error page: its title and
    the service's message are Japanese, or English with the cookie."""
    url = "/donations/not-a-real-token-at-all-xx"
    japanese = client.get(url)
    assert japanese.status_code == 404
    assert "処理できませんでした" in japanese.get_data(as_text=True)
    assert "寄附が見つかりません。" in japanese.get_data(as_text=True)
    client.set_cookie("lang", "en")
    english = client.get(url)
    assert english.status_code == 404
    page = english.get_data(as_text=True)
    assert "We could not process this" in page and "Donation not found." in page
    assert "寄附が見つかりません" not in page


def _lapsed_donation(db: Session) -> str:
    made = pledge(make_project(db).id, amount_yen=5_000, card_setup=False)
    db.execute(
        update(Donation)
        .where(Donation.id == made.id)
        .values(reserved_until=datetime.now(UTC) - timedelta(minutes=1))
    )
    return made.access_token


def test_pay_refusal_json_is_japanese_for_japanese_visitors(
    client: FlaskClient, db: Session
) -> None:
    """Paying after the reservation lapsed answers the card form with the service's message."""
    response = client.post(
        f"/donations/{_lapsed_donation(db)}/pay", json={"payment_method": "pm_language"}
    )
    assert response.status_code == 409
    answer = response.get_json()
    assert answer["status"] == "error"
    assert answer["message"].startswith("お申し込みの有効期限が切れました。")


def test_pay_refusal_json_is_english_for_english_visitors(client: FlaskClient, db: Session) -> None:
    """With the English cookie the card form's refusal reads in English."""
    client.set_cookie("lang", "en")
    response = client.post(
        f"/donations/{_lapsed_donation(db)}/pay", json={"payment_method": "pm_language"}
    )
    assert response.status_code == 409
    message = response.get_json()["message"]
    assert message and not JAPANESE.search(message), message


def test_json_api_keeps_the_japanese_message(client: FlaskClient, db: Session) -> None:
    """The API answers with the service's own message beside its code, whatever the cookie."""
    project = make_project(db, status="draft")
    client.set_cookie("lang", "en")
    response = client.get(f"/api/v1/projects/{project.id}")
    assert response.status_code == 404
    assert "プロジェクトが見つかりません。" in response.get_data(as_text=True)
