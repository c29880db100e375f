"""Shipping pages and API per business; staff one-stop pages, reveal and export over web and API."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.models import AuditLog, OnestopApplication
from furusato.services import accounts
from furusato.services.fulfilment import receipts
from tests.conftest import login
from tests.factories import PASSWORD, make_donation, make_project, make_user
from tests.integration.test_shipments import make_shipment

EXPORT_PASSWORD = "zip-password-2026"  # the one-time password typed on the export form


def _bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    issued = accounts.issue_token(user.email, PASSWORD)
    assert issued is not None
    return {"Authorization": f"Bearer {issued[0]}"}


def test_other_business_gets_403_on_page_csv_and_api(client: FlaskClient, db: Session) -> None:
    """Another business cannot see the list as page, CSV or API, nor mark a shipment sent."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business)
    shipment = make_shipment(db, project, ship_name="𠮷田 花子")
    stranger = make_user(db, "business")
    page = f"/business/projects/{project.id}/shipments"
    login(client, stranger)
    assert client.get(page).status_code == 403
    assert client.get(f"{page}?format=csv&encoding=cp932").status_code == 403
    api = f"/api/v1/projects/{project.id}/shipments"
    assert client.get(api, headers=_bearer(stranger)).status_code == 403
    patch = client.patch(
        f"/api/v1/shipments/{shipment.id}",
        json={"carrier": "ヤマト運輸", "tracking_number": "123456789012"},
        headers=_bearer(stranger),
    )
    assert patch.status_code == 403

    login(client, owner)
    html = client.get(page)
    assert html.status_code == 200 and "𠮷田 花子" in html.get_data(as_text=True)
    sjis = client.get(f"{page}?format=csv&encoding=cp932")
    assert sjis.headers["X-Substituted-Characters"] == "1"
    assert "〓田 花子" in sjis.data.decode("cp932")
    listed = client.get(api, headers=_bearer(owner)).get_json()
    assert [s["id"] for s in listed["shipments"]] == [shipment.id]
    done = client.patch(
        f"/api/v1/shipments/{shipment.id}",
        json={"carrier": "ヤマト運輸", "tracking_number": "123456789012"},
        headers=_bearer(owner),
    )
    assert done.status_code == 200 and done.get_json()["status"] == "sent"


def test_upload_with_errors_reports_rows(client: FlaskClient, db: Session) -> None:
    """A CSV with a bad row is answered 422 with the line and reason; nothing is marked."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business)
    shipment = make_shipment(db, project)
    login(client, owner)
    body = f"お客様管理番号,運送会社,伝票番号\r\n{shipment.id},ヤマト運輸,1111-2222\r\n99999,ヤマト運輸,3333-4444\r\n"
    response = client.post(
        f"/business/projects/{project.id}/shipments/upload",
        data={"file": (io.BytesIO(body.encode("cp932")), "b2.csv")},
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "3行目" in text and "99999" in text
    assert "発送済み</span>" not in text


def test_staff_late_page(client: FlaskClient, db: Session) -> None:
    """Staff see a shipment whose promised month has passed; a business cannot open the page."""
    project = make_project(db)
    make_shipment(db, project, scheduled_month=date(2020, 1, 1), ship_name="遅延 太郎")
    login(client, make_user(db, "business"))
    assert client.get("/staff/shipments/late").status_code == 403
    login(client, make_user(db, "staff"))
    response = client.get("/staff/shipments/late")
    assert response.status_code == 200 and "遅延 太郎" in response.get_data(as_text=True)


def _application(db: Session, **kw) -> OnestopApplication:  # type: ignore[no-untyped-def]
    paid = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)
    donation = make_donation(
        db,
        make_project(db),
        paid_at=paid,
        final_at=paid + timedelta(days=1),
        onestop_requested=True,
        **kw,
    )
    receipts.issue_receipt(donation.id)
    application = db.scalar(
        select(OnestopApplication).where(OnestopApplication.donation_id == donation.id)
    )
    assert application is not None
    return application


def test_staff_records_reveals_and_exports(client: FlaskClient, db: Session) -> None:
    """Record a form on the page, see it masked, reveal with a reason (audited), download the zip
    (as a 個人番号事務取扱担当者)."""
    staff = make_user(db, "staff", mynumber_officer=True)
    application = _application(db)
    login(client, staff)
    base = f"/staff/onestop/{application.id}"
    recorded = client.post(
        f"{base}/form",
        data={"received_on": "2026-01-08", "my_number": "1234 5678 9018", "id_checked": "y"},
    )
    assert recorded.status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "＊＊＊＊＊＊＊＊＊＊＊＊" in page and "123456789018" not in page
    assert "123456789018" not in client.get("/staff/onestop?year=2025").get_data(as_text=True)
    shown = client.post(f"{base}/reveal", data={"reason": "市民からの問い合わせ"})
    assert "123456789018" in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "mynumber.reveal"))
    assert entry is not None and entry.note == "市民からの問い合わせ"
    exported = client.post(
        "/staff/onestop/export", data={"year": "2025", "password": EXPORT_PASSWORD}
    )
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(exported.data)).namelist()) == 2


def test_export_api_is_staff_only_json_or_zip(client: FlaskClient, db: Session) -> None:
    """JSON listing (no My Number) for staff, the zip for a 個人番号事務取扱担当者 only; a donor
    or business gets 403."""
    staff = make_user(db, "staff", mynumber_officer=True)
    application = _application(db)
    login(client, staff)
    client.post(
        f"/staff/onestop/{application.id}/form",
        data={"received_on": "2026-01-08", "my_number": "123456789018", "id_checked": "y"},
    )
    url = "/api/v1/exports/onestop-notifications?year=2025"
    listing = client.get(f"{url}&format=json", headers=_bearer(staff))
    assert listing.status_code == 200
    body = listing.get_json()
    assert body["municipalities"][0]["total_yen"] == application.donation.amount_yen
    assert "123456789018" not in listing.get_data(as_text=True)
    archive = client.post(
        "/api/v1/exports/onestop-notifications",
        json={"year": 2025, "password": EXPORT_PASSWORD},
        headers=_bearer(staff),
    )
    assert archive.status_code == 200 and archive.content_type == "application/zip"
    plain = client.post(
        "/api/v1/exports/onestop-notifications",
        json={"year": 2025, "password": EXPORT_PASSWORD},
        headers=_bearer(make_user(db, "staff")),
    )
    assert plain.status_code == 403 and plain.get_json()["code"] == "mynumber_officer_required"
    for role in ("donor", "business"):
        assert client.get(url, headers=_bearer(make_user(db, role))).status_code == 403
