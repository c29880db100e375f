"""The one-stop notification export carries My Numbers: it is only ever an AES-256 zip under a
password the staff member types for that export (never stored), and who exported what is audited."""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
import pyzipper
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from furusato.models import AuditLog, Base, OnestopApplication, User
from furusato.services import accounts
from furusato.services.fulfilment import onestop, receipts
from tests.conftest import login
from tests.factories import PASSWORD, make_donation, make_project, make_user

NUMBER = "123456789018"
ZIP_PASSWORD = "Kiyomizu-2026-export"
PAID = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)
REFUSED = "パスワードを入力してください"  # in the refusal, on the page and in the API's problem
AES_EXTRA = 0x9901  # the WinZip AES extra field: vendor version, "AE", strength (3 = 256 bits)


def _accepted(db: Session, staff: User) -> OnestopApplication:
    donation = make_donation(
        db,
        make_project(db),
        onestop_requested=True,
        paid_at=PAID,
        final_at=PAID + timedelta(days=1),
        birth_date=date(1980, 4, 1),
        gender="female",
    )
    db.commit()
    receipts.issue_receipt(donation.id)
    application = db.scalar(
        select(OnestopApplication).where(OnestopApplication.donation_id == donation.id)
    )
    assert application is not None
    onestop.record_form(
        staff, application.id, received_on=date(2026, 1, 8), my_number=NUMBER, id_checked=True
    )
    return application


def _exports(db: Session) -> list[AuditLog]:
    return list(db.scalars(select(AuditLog).where(AuditLog.action == "onestop.export")))


def _aes_strength(info: zipfile.ZipInfo) -> int | None:
    extra = info.extra
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        if kind == AES_EXTRA:
            return extra[4 + 4]  # after the vendor version (2 bytes) and "AE"
        extra = extra[4 + size :]
    return None


def _bearer(user: User) -> dict[str, str]:
    issued = accounts.issue_token(user.email, PASSWORD)
    assert issued is not None
    return {"Authorization": f"Bearer {issued[0]}"}


def test_export_opens_only_with_its_password_and_is_audited(
    client: FlaskClient, db: Session
) -> None:
    """Every file is AES-256: unreadable without the password or with a wrong one, readable
    with it; the audit log says who exported which year, municipality and applications."""
    staff = make_user(db, "staff", mynumber_officer=True)
    application = _accepted(db, staff)
    login(client, staff)
    answer = client.post("/staff/onestop/export", data={"year": "2025", "password": ZIP_PASSWORD})
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert answer.headers["Cache-Control"] == "no-store"
    assert NUMBER.encode() not in answer.data

    plain = zipfile.ZipFile(io.BytesIO(answer.data))
    names = plain.namelist()
    assert len(names) == 2
    for name in names:
        info = plain.getinfo(name)
        assert info.flag_bits & 0x1 and _aes_strength(info) == 3, name
        with pytest.raises(RuntimeError, match="encrypted"):
            plain.read(name)
    archive = pyzipper.AESZipFile(io.BytesIO(answer.data))
    (csv_name,) = [n for n in names if n.endswith(".csv")]
    archive.setpassword(b"not-the-password-2026")
    with pytest.raises(RuntimeError, match="Bad password"):
        archive.read(csv_name)
    archive.setpassword(ZIP_PASSWORD.encode())
    assert NUMBER in archive.read(csv_name).decode("utf-8-sig")

    (entry,) = _exports(db)
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        staff.id,
        "onestop_year",
        "2025",
    )
    assert entry.created_at is not None and entry.after is not None
    assert entry.after["application_ids"] == [application.id]
    assert entry.after["applications"] == 1 and entry.after["donors"] == 1
    assert entry.after["municipalities"] == [application.residence_municipality_code]
    assert entry.after["encryption"].startswith("AES-256")
    dump = "\n".join(
        row
        for table in Base.metadata.sorted_tables
        for row in db.execute(text(f'SELECT t::text FROM "{table.name}" t')).scalars()
    )
    assert ZIP_PASSWORD not in dump  # the password is not stored anywhere


@pytest.mark.parametrize("password", ["", "short-pass1", "パスワードは十二文字以上です"])
def test_page_refuses_to_export_without_a_usable_password(
    client: FlaskClient, db: Session, password: str
) -> None:
    """No password, fewer than 12 characters or non-ASCII: no zip, a clear message, nothing
    marked exported, no export in the audit log."""
    staff = make_user(db, "staff", mynumber_officer=True)
    application = _accepted(db, staff)
    login(client, staff)
    answer = client.post(
        "/staff/onestop/export",
        data={"year": "2025", "password": password},
        follow_redirects=True,
    )
    assert answer.mimetype == "text/html"
    assert REFUSED in answer.get_data(as_text=True)
    assert _exports(db) == []
    db.refresh(application)
    assert application.exported_at is None


def test_api_exports_only_by_post_with_a_password(client: FlaskClient, db: Session) -> None:
    """The API's zip is a POST with the password in the body (never in a URL); without one, or
    as the old GET, the answer is a 422 problem and nothing is exported."""
    staff = make_user(db, "staff", mynumber_officer=True)
    _accepted(db, staff)
    headers = _bearer(staff)
    url = "/api/v1/exports/onestop-notifications"
    old = client.get(f"{url}?year=2025", headers=headers)
    assert old.status_code == 422 and old.get_json()["code"] == "password_required"
    short = client.post(url, json={"year": 2025, "password": "short"}, headers=headers)
    assert short.status_code == 422 and short.get_json()["code"] == "password_required"
    assert REFUSED in short.get_json()["detail"]
    assert _exports(db) == []
    made = client.post(url, json={"year": 2025, "password": ZIP_PASSWORD}, headers=headers)
    assert made.status_code == 200 and made.content_type == "application/zip"
    archive = pyzipper.AESZipFile(io.BytesIO(made.data))
    archive.setpassword(ZIP_PASSWORD.encode())
    assert any(
        NUMBER in archive.read(n).decode("utf-8-sig")
        for n in archive.namelist()
        if n.endswith(".csv")
    )
    assert len(_exports(db)) == 1
