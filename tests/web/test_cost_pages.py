"""The staff cost page: the year's actual costs in the 現況調査 categories, a refused form that
keeps what was typed, the reports page judging the 50 % rule on them, and the CSV."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import login
from tests.factories import make_user

YEAR = 2025


def test_staff_record_costs_and_the_report_judges_on_them(
    client: FlaskClient, db: Session
) -> None:
    """Before: the reports page says the estimate judges; after recording: 実績, with the amount."""
    login(client, make_user(db, "staff"))
    report = client.get(f"/staff/reports?fy={YEAR}").get_data(as_text=True)
    assert "見込みの費用（実績は未入力）" in report
    page = client.get(f"/staff/reports/{YEAR}/costs").get_data(as_text=True)
    for label in ("返礼品等の調達に係る費用", "事務に係る費用", "受領証明書の発行・郵送"):
        assert label in page, label
    saved = client.post(
        f"/staff/reports/{YEAR}/costs",
        data={"amount_shipping": "123,456", "note_shipping": "宅配便 年間契約"},
    )
    assert saved.status_code == 302
    report = client.get(f"/staff/reports?fy={YEAR}").get_data(as_text=True)
    assert "実績の費用" in report and "¥123,456" in report
    csv = client.get(f"/staff/reports/{YEAR}/costs.csv")
    assert csv.status_code == 200 and csv.data.startswith(b"\xef\xbb\xbf")
    assert "123456" in csv.data.decode("utf-8-sig")


def test_a_refused_form_keeps_what_was_typed(client: FlaskClient, db: Session) -> None:
    """A bad amount answers 422 naming the line, and every typed value is still in the form."""
    login(client, make_user(db, "staff"))
    refused = client.post(
        f"/staff/reports/{YEAR}/costs",
        data={"amount_shipping": "5000", "amount_advertising": "12万", "note_shipping": "メモ"},
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "どの費用も保存していません" in body and "0以上の整数（円）で入力してください" in body
    assert 'value="12万"' in body and 'value="5000"' in body and ">メモ</textarea>" in body
    assert 'id="amount_advertising-error"' in body
    page = client.get(f"/staff/reports/{YEAR}/costs").get_data(as_text=True)
    assert "未入力" in page and 'value="5000"' not in page


def test_a_year_outside_the_scheme_is_a_clear_error(client: FlaskClient, db: Session) -> None:
    """2007 predates furusato nozei: the page says which years can be recorded."""
    login(client, make_user(db, "staff"))
    response = client.get("/staff/reports/2007/costs")
    assert response.status_code == 422 and "2008年度から来年度まで" in response.get_data(as_text=True)
