"""One-stop exception: forms recorded on time or late, My Number encrypted, revealed under
audit, rotated, erased; changes by the deadline; notifications grouped by municipality."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import pyzipper
from cryptography.fernet import Fernet
from pypdf import PdfReader
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from furusato.config import get_settings, reset_settings
from furusato.domain.mynumber import MASK
from furusato.models import AuditLog, Base, Donation, OnestopApplication, OutboundEmail
from furusato.services.errors import Conflict, ValidationFailed
from furusato.services.fulfilment import (
    mynumber_vault,
    onestop,
    onestop_changes,
    onestop_export,
    onestop_notices,
    receipts,
)
from tests.factories import make_donation, make_project, make_user

NUMBER = "123456789018"
OTHER = "000000000060"  # 6 × 2 = 12 ≡ 1 (mod 11) → check digit 0
PAID = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)
ON_TIME = date(2026, 1, 8)  # deadline for 2025 is Tue 2026-01-13 (Jan 10 Sat, Jan 12 holiday)
LATE = date(2026, 1, 14)
ZIP_PASSWORD = "export-password-2026"


def _application(session: Session, project=None, **kw) -> OnestopApplication:  # type: ignore[no-untyped-def]
    kw.setdefault("paid_at", PAID)
    donation = make_donation(
        session,
        project or make_project(session),
        onestop_requested=True,
        final_at=PAID + timedelta(days=1),
        birth_date=kw.pop("birth_date", date(1980, 4, 1)),
        gender="female",
        **kw,
    )
    session.commit()  # a savepoint under `db`, a real commit under `committed`
    receipts.issue_receipt(donation.id)
    application = session.scalar(
        select(OnestopApplication).where(OnestopApplication.donation_id == donation.id)
    )
    assert application is not None
    return application


@pytest.fixture
def staff(db: Session):  # type: ignore[no-untyped-def]
    """A 個人番号事務取扱担当者 (may reveal and export)."""
    return make_user(db, "staff", mynumber_officer=True)


def _dump(session: Session) -> str:
    """Every row of every table as text, like a plain-SQL pg_dump would show it."""
    parts = []
    for table in Base.metadata.sorted_tables:
        rows = session.execute(text(f'SELECT t::text FROM "{table.name}" t')).scalars()
        parts.extend(rows)
    return "\n".join(parts)


def test_on_time_form_is_accepted_and_number_stored_encrypted(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    """The number is valid, encrypted at rest, absent from a text dump of every table."""
    application = _application(db)
    result = onestop.record_form(
        staff, application.id, received_on=ON_TIME, my_number=NUMBER, id_checked=True
    )
    assert result.status == "accepted" and result.deadline == date(2026, 1, 13)
    db.refresh(application)
    assert application.my_number_encrypted is not None
    assert NUMBER.encode() not in application.my_number_encrypted
    assert mynumber_vault.decrypt(application.my_number_encrypted) == NUMBER
    assert NUMBER not in _dump(db)
    assert onestop.get_view(application.id).my_number == MASK


def test_number_never_reaches_a_log_line(
    committed: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """With SQL statement and parameter logging on, recording and revealing log no number."""
    with Session(committed, expire_on_commit=False) as s:
        staff = make_user(s, "staff", mynumber_officer=True)
        application_id = _application(s).id
        second_id = _application(s).id
        s.commit()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    onestop.record_form(
        staff, application_id, received_on=ON_TIME, my_number=NUMBER, id_checked=True
    )
    assert onestop.reveal(staff, application_id) == NUMBER
    with pytest.raises(ValidationFailed):
        onestop.record_form(
            staff, second_id, received_on=ON_TIME, my_number="123456789012", id_checked=True
        )
    assert any("UPDATE onestop_applications" in r.getMessage() for r in caplog.records)
    assert NUMBER not in caplog.text and "123456789012" not in caplog.text
    with Session(committed) as s:
        assert NUMBER not in _dump(s)


def test_wrong_check_digit_is_refused_and_nothing_stored(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    """A mistyped number fails the check digit; the application stays requested."""
    application = _application(db)
    with pytest.raises(ValidationFailed) as info:
        onestop.record_form(
            staff, application.id, received_on=ON_TIME, my_number="123456789012", id_checked=True
        )
    assert "my_number" in info.value.fields
    db.refresh(application)
    assert application.status == "requested" and application.my_number_encrypted is None


def test_unchecked_id_is_refused(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    """Staff must confirm the ID documents before accepting."""
    application = _application(db)
    with pytest.raises(ValidationFailed):
        onestop.record_form(
            staff, application.id, received_on=ON_TIME, my_number=NUMBER, id_checked=False
        )


def test_late_form_is_excluded_and_donor_told(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    """After the moved deadline: marked late, no number kept, a notice mailed."""
    application = _application(db)
    result = onestop.record_form(
        staff, application.id, received_on=LATE, my_number=NUMBER, id_checked=True
    )
    assert result.status == "late"
    db.refresh(application)
    assert application.my_number_encrypted is None and application.late_notified_at is not None
    notice = db.scalar(
        select(OutboundEmail).where(OutboundEmail.key == f"onestop:{application.id}:late")
    )
    assert notice is not None and "2026年1月13日" in notice.body_text
    with pytest.raises(Conflict):
        onestop.record_form(
            staff, application.id, received_on=ON_TIME, my_number=NUMBER, id_checked=True
        )


def test_reveal_is_audited(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    """Each reveal returns the number and writes a `mynumber.reveal` entry without it."""
    application = _application(db)
    onestop.record_form(
        staff, application.id, received_on=ON_TIME, my_number=NUMBER, id_checked=True
    )
    assert onestop.reveal(staff, application.id, ip_address="127.0.0.1") == NUMBER
    entries = list(db.scalars(select(AuditLog).where(AuditLog.action == "mynumber.reveal")))
    assert [(e.actor_id, e.target_id) for e in entries] == [(staff.id, str(application.id))]
    assert NUMBER not in str(entries[0].before) + str(entries[0].after) + entries[0].note


@pytest.fixture
def two_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    old = get_settings().mynumber_keys[0]
    new = Fernet.generate_key().decode()
    yield new, old
    monkeypatch.undo()
    reset_settings()


def test_rotation_reencrypts_with_the_newest_key(
    db: Session, staff, monkeypatch: pytest.MonkeyPatch, two_keys: tuple[str, str]
) -> None:  # type: ignore[no-untyped-def]
    """After a new key is put first and `rotate` runs, the old key can be removed."""
    new, old = two_keys
    application = _application(db)
    onestop.record_form(
        staff, application.id, received_on=ON_TIME, my_number=NUMBER, id_checked=True
    )
    monkeypatch.setenv("MYNUMBER_KEYS", f"{new},{old}")
    reset_settings()
    assert mynumber_vault.rotate_all() >= 1
    db.refresh(application)
    token = application.my_number_encrypted
    assert token is not None
    assert Fernet(new.encode()).decrypt(token).decode() == NUMBER
    monkeypatch.setenv("MYNUMBER_KEYS", new)
    reset_settings()
    assert onestop.reveal(staff, application.id) == NUMBER


def test_erased_after_retention(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    """Seven years after receipt the ciphertext is NULLed and erased_at set; not a day before."""
    application = _application(db)
    onestop.record_form(
        staff, application.id, received_on=ON_TIME, my_number=NUMBER, id_checked=True
    )
    years = get_settings().city.mynumber_retention_years
    end = ON_TIME.replace(year=ON_TIME.year + years)
    assert mynumber_vault.erase_due(today=end - timedelta(days=1)) == 0
    assert mynumber_vault.erase_due(today=end) == 1
    db.refresh(application)
    assert application.my_number_encrypted is None and application.erased_at is not None
    with pytest.raises(Conflict):
        onestop.reveal(staff, application.id)


def test_refund_withdraws_and_erases(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    """A refunded donation whose notice was not sent yet: withdrawn, no notice, number dropped."""
    application = _application(db)
    onestop.record_form(
        staff, application.id, received_on=ON_TIME, my_number=NUMBER, id_checked=True
    )
    db.execute(
        update(Donation)
        .where(Donation.id == application.donation_id)
        .values(status="refunded", refunded_at=datetime.now(UTC))
    )
    assert onestop_notices.withdraw_refunded() == 1
    db.refresh(application)
    assert application.status == "withdrawn" and application.my_number_encrypted is None
    assert application.notice_status == "withdrawn"


def test_change_by_deadline_updates_late_change_refused(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    """A new address received by the deadline is applied (audited); one after it is refused."""
    application = _application(db)
    onestop_changes.record_change(
        staff, application.id, received_on=ON_TIME, changes={"address": "大阪府堺市堺区1-1"}
    )
    db.refresh(application)
    assert application.address == "大阪府堺市堺区1-1"
    assert db.scalar(select(AuditLog).where(AuditLog.action == "onestop.change")) is not None
    with pytest.raises(Conflict):
        onestop_changes.record_change(
            staff, application.id, received_on=LATE, changes={"name": "新 姓"}
        )


def test_notifications_grouped_by_municipality_with_totals(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    """Two donations of one person in Chiyoda and one in Sakai's 堺区: two municipalities (the
    ward's notice goes to 堺市, named), right sums."""
    project = make_project(db)
    chiyoda = {"municipality_code": "13101", "postal_code": "1000001", "donor_name": "寄附 花子"}
    a1 = _application(db, project, amount_yen=10_000, **chiyoda)
    a2 = _application(db, project, amount_yen=25_000, **chiyoda)
    b1 = _application(
        db,
        project,
        amount_yen=7_000,
        municipality_code="27141",
        postal_code="5900078",
        donor_name="堺 次郎",
        birth_date=date(1975, 1, 2),
    )
    pending = _application(db, project, amount_yen=9_000, **chiyoda)  # never received: excluded
    for app, number in ((a1, NUMBER), (a2, NUMBER), (b1, OTHER)):
        onestop.record_form(staff, app.id, received_on=ON_TIME, my_number=number, id_checked=True)

    listing = {m["municipality_code"]: m for m in onestop_export.listing(2025)}
    assert listing["13101"]["donors"] == 1 and listing["13101"]["total_yen"] == 35_000
    assert listing["13101"]["donations"] == 2 and listing["27140"]["total_yen"] == 7_000
    assert listing["27140"]["municipality_name"] == "大阪府堺市"
    assert listing["13101"]["municipality_name"] == "東京都千代田区"
    assert NUMBER not in str(listing)

    archive = pyzipper.AESZipFile(
        io.BytesIO(onestop_export.export_zip(staff, 2025, password=ZIP_PASSWORD))
    )
    archive.setpassword(ZIP_PASSWORD.encode())
    names = sorted(archive.namelist())
    assert len(names) == 4 and {n.rsplit(".", 1)[1] for n in names} == {"csv", "pdf"}
    chiyoda_csv = next(n for n in names if "13101" in n and n.endswith(".csv"))
    rows = list(csv.reader(io.StringIO(archive.read(chiyoda_csv).decode("utf-8-sig"))))
    assert rows[1][:3] == ["13101", "東京都千代田区", "新規"]
    assert rows[1][9] == NUMBER and rows[1][10:] == ["2", "35000"]
    assert rows[-1][2] == "合計" and rows[-1][-1] == "35000"
    sakai_pdf = next(n for n in names if "27140" in n and n.endswith(".pdf"))
    pdf_text = PdfReader(io.BytesIO(archive.read(sakai_pdf))).pages[0].extract_text()
    assert "大阪府堺市長" in pdf_text and "団体コード" not in pdf_text
    assert OTHER in pdf_text and "7,000円" in pdf_text and "附則第7条第4項及び第11項" in pdf_text
    reveals = db.scalars(select(AuditLog.target_id).where(AuditLog.action == "mynumber.reveal"))
    assert sorted(reveals) == sorted(str(a.id) for a in (a1, a2, b1))
    db.refresh(pending)
    db.refresh(a1)
    assert pending.exported_at is None and a1.exported_at is not None


def test_cli_rotate_command(db: Session, staff) -> None:  # type: ignore[no-untyped-def]
    """`furusato mynumber rotate` re-encrypts the stored numbers and says how many."""
    from click.testing import CliRunner

    from furusato.cli import main

    application = _application(db)
    onestop.record_form(
        staff, application.id, received_on=ON_TIME, my_number=NUMBER, id_checked=True
    )
    result = CliRunner().invoke(main, ["mynumber", "rotate"])
    assert result.exit_code == 0 and "re-encrypted 1 " in result.output
    assert NUMBER not in result.output
