"""Payout, settlement and report pages and the payouts API: four eyes, Zengin export, CSV."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from furusato.domain import zengin
from furusato.domain.settlement import fiscal_year
from furusato.models import Payout, User
from furusato.services.settlement import closing, work
from tests.conftest import TaskRecorder, login
from tests.factories import PASSWORD, make_donation, make_project, make_user


def bearer(client: FlaskClient, user: User) -> dict[str, str]:
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def draft(db: Session, amount: int = 400_000) -> Payout:
    project = make_project(db)
    payout = Payout(project_id=project.id, business_id=project.business_id, amount_yen=amount)
    db.add(payout)
    db.flush()
    return payout


def test_api_refuses_approval_by_the_preparer(client: FlaskClient, db: Session) -> None:
    """POST approve by the staff member who prepared is 403 `four_eyes`; a colleague's is 200."""
    alice, bob = make_user(db, "staff"), make_user(db, "staff")
    payout = draft(db)
    as_alice, as_bob = bearer(client, alice), bearer(client, bob)
    body = {"confirmed_amount_yen": 400_000, "account_checked": True}
    prepared = client.post(f"/api/v1/payouts/{payout.id}/prepare", json=body, headers=as_alice)
    assert prepared.status_code == 200 and prepared.get_json()["status"] == "prepared"
    refused = client.post(f"/api/v1/payouts/{payout.id}/approve", headers=as_alice)
    assert refused.status_code == 403 and refused.get_json()["code"] == "four_eyes"
    assert "別の職員" in refused.get_json()["detail"]
    approved = client.post(f"/api/v1/payouts/{payout.id}/approve", headers=as_bob)
    assert approved.status_code == 200
    (item,) = client.get("/api/v1/payouts", headers=as_bob).get_json()["items"]
    assert (item["prepared_by"], item["approved_by"], item["status"]) == (
        alice.id,
        bob.id,
        "approved",
    )


def test_api_export_returns_the_batch_and_its_file(client: FlaskClient, db: Session) -> None:
    """POST /payouts/export gives the batch, a download link and the file, which parses."""
    alice, bob = make_user(db, "staff"), make_user(db, "staff")
    payout = draft(db, 250_000)
    client.post(
        f"/api/v1/payouts/{payout.id}/prepare",
        json={"confirmed_amount_yen": 250_000, "account_checked": True},
        headers=bearer(client, alice),
    )
    as_bob = bearer(client, bob)
    client.post(f"/api/v1/payouts/{payout.id}/approve", headers=as_bob)
    response = client.post(
        "/api/v1/payouts/export", json={"transfer_date": "2027-04-05"}, headers=as_bob
    )
    assert response.status_code == 201
    batch = response.get_json()
    assert batch["total_yen"] == 250_000 and batch["count"] == 1
    file = client.get(batch["download_url"], headers=as_bob)
    assert file.status_code == 200 and file.data == base64.b64decode(batch["zengin_base64"])
    records = zengin.parse(file.data)
    assert int(records[1]["amount"]) == 250_000 and int(records[2]["total"]) == 250_000


def test_api_payouts_are_staff_only(client: FlaskClient, db: Session) -> None:
    """A business or donor token gets 403 on the payouts list; no token gets 401."""
    assert client.get("/api/v1/payouts").status_code == 401
    business = make_user(db, "business")
    assert client.get("/api/v1/payouts", headers=bearer(client, business)).status_code == 403


def test_payout_pages_prepare_and_refuse_self_approval(client: FlaskClient, db: Session) -> None:
    """On the pages, a staff member prepares after checking; approving their own is refused."""
    alice = make_user(db, "staff")
    payout = draft(db, 123_456)
    login(client, alice)
    assert "¥123,456" in client.get("/staff/payouts").get_data(as_text=True)
    wrong = client.post(
        f"/staff/payouts/{payout.id}/prepare",
        data={"confirmed_amount_yen": "1", "account_checked": "y"},
    )
    assert wrong.status_code == 422 and "一致しません" in wrong.get_data(as_text=True)
    ok = client.post(
        f"/staff/payouts/{payout.id}/prepare",
        data={"confirmed_amount_yen": "123456", "account_checked": "y"},
    )
    assert ok.status_code == 302
    page = client.get(f"/staff/payouts/{payout.id}").get_data(as_text=True)
    assert "承認は別の職員が行います" in page and alice.email in page
    refused = client.post(f"/staff/payouts/{payout.id}/approve")
    assert refused.status_code == 403 and "別の職員" in refused.get_data(as_text=True)


def test_settlement_and_report_pages_show_progress_chart_and_csv(
    client: FlaskClient, db: Session, sent_tasks: TaskRecorder
) -> None:
    """After a settlement, staff see its progress, the fiscal-year report with bars, and a CSV."""
    project = make_project(db, deadline=datetime.now(UTC) - timedelta(minutes=1))
    make_donation(db, project, amount_yen=1_300_000, fee_yen=46_800)
    closing.settle_due(datetime.now(UTC))
    for name, (project_id, ids) in list(sent_tasks.sent):
        if name == closing.CHUNK_TASK:
            work.run_chunk(project_id, ids)
    login(client, make_user(db, "staff"))
    page = client.get("/staff/settlements").get_data(as_text=True)
    assert project.title in page and 'aria-valuenow="100"' in page
    year = fiscal_year(datetime.now(UTC))
    report = client.get(f"/staff/reports?fy={year}").get_data(as_text=True)
    assert "¥1,300,000" in report and "¥520,000" in report and 'role="img"' in report
    csv = client.get(f"/staff/reports/{year}.csv")
    assert csv.data.startswith(b"\xef\xbb\xbf")
    assert "寄附額" in csv.data.decode("utf-8-sig") and "1300000" in csv.data.decode("utf-8-sig")


def test_reports_and_payouts_pages_are_staff_only(client: FlaskClient, db: Session) -> None:
    """A donor is refused the staff pages."""
    login(client, make_user(db, "donor"))
    for path in ("/staff/payouts", "/staff/settlements", "/staff/reports"):
        assert client.get(path).status_code == 403
