"""The one-stop exception follows the payment: an application from the moment a December
donation is paid (its campaign undecided), its notice sent by January 31 with the day staff
posted it, and corrections and cancellations when a notified donation changes or is refunded;
donors grouped by My Number; reminders once; My Numbers for officers only."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import pyzipper
from click.testing import CliRunner
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from furusato.cli import main
from furusato.domain.money import to_jst, utcnow
from furusato.models import (
    AuditLog,
    Donation,
    OnestopApplication,
    OnestopReminder,
    OutboundEmail,
)
from furusato.payments.gateway import ChargeResult
from furusato.services.errors import Conflict, Forbidden, ValidationFailed
from furusato.services.following import reminder_settings
from furusato.services.following.reminder_settings import Change
from furusato.services.fulfilment import (
    onestop,
    onestop_board,
    onestop_changes,
    onestop_export,
    onestop_notices,
    onestop_reminders,
)
from furusato.services.giving import payment_results
from furusato.services.uow import UnitOfWork
from tests.factories import make_donation, make_project, make_user

NUMBER = "123456789018"
OTHER = "000000000060"
PASSWORD = "notices-password-2027"
DECEMBER = datetime(2025, 12, 20, 3, 0, tzinfo=UTC)  # 12:00 JST, 2025-12-20
RECEIVED = date(2026, 1, 8)  # on time: the deadline for 2025 is 2026-01-13


def _today() -> date:
    """Today in Japan (the sending date is a JST date)."""
    return to_jst(utcnow()).date()


@pytest.fixture
def officer(db: Session):  # type: ignore[no-untyped-def]
    return make_user(db, "staff", mynumber_officer=True)


def _paid(db: Session, project=None, *, paid_at: datetime = DECEMBER, **kw) -> Donation:  # type: ignore[no-untyped-def]
    """A donation paid through the payment service (the campaign's outcome still open)."""
    donation = make_donation(
        db,
        project or make_project(db, miss_policy="refund"),
        status="pending_payment",
        onestop_requested=True,
        birth_date=kw.pop("birth_date", date(1980, 4, 1)),
        gender="female",
        **kw,
    )
    db.commit()
    with UnitOfWork() as uow:
        row = uow.session.get(Donation, donation.id)
        assert row is not None
        payment_results.complete_payment(
            uow, row, ChargeResult(status="succeeded", payment_intent_id=None, paid_at=paid_at)
        )
        uow.commit()
    db.refresh(donation)
    return donation


def _application(db: Session, donation: Donation) -> OnestopApplication:
    app = db.scalar(select(OnestopApplication).where(OnestopApplication.donation_id == donation.id))
    assert app is not None
    return app


def _accept(db: Session, officer, donation: Donation, number: str = NUMBER) -> OnestopApplication:  # type: ignore[no-untyped-def]
    app = _application(db, donation)
    onestop.record_form(officer, app.id, received_on=RECEIVED, my_number=number, id_checked=True)
    db.refresh(app)
    return app


def test_a_december_donation_to_an_undecided_campaign_is_notified_on_time(
    db: Session, officer
) -> None:  # type: ignore[no-untyped-def]
    """Paid on Dec 20 to a refund campaign deciding in February: the application and its form
    mail exist at payment, and the notice is recorded sent on the day staff posted it."""
    donation = _paid(db)
    assert donation.final_at is None and donation.tax_year == 2025
    app = _application(db, donation)
    assert app.status == "requested" and app.tax_year == 2025
    form_mail = db.scalar(
        select(OutboundEmail).where(OutboundEmail.key == f"donation:{donation.id}:onestop_form")
    )
    assert form_mail is not None and "必着期限: 2026年1月13日" in form_mail.body_text
    assert "5を超えた場合" in form_mail.body_text

    app = _accept(db, officer, donation)
    assert app.notice_status == "due"
    zipped = onestop_export.export_zip(officer, 2025, password=PASSWORD)
    archive = pyzipper.AESZipFile(io.BytesIO(zipped))
    archive.setpassword(PASSWORD.encode())
    assert any("東京都千代田区" in name for name in archive.namelist())

    marked = onestop_notices.mark_sent(officer, 2025, ["13101"], sent_on=_today())
    assert marked.sent == 1 and marked.not_exported == 0
    db.refresh(app)
    assert app.notice_status == "sent" and app.notice_sent_on == _today()
    page = onestop_board.year_page(2025)
    assert page.notices[0].counts == {"sent": 1} and page.notices[0].sent_on == [_today()]
    assert page.export == []  # nothing left to send


def test_sending_date_refused_in_the_future_and_before_the_export(db: Session, officer) -> None:  # type: ignore[no-untyped-def]
    """Tomorrow is refused, and so is a notice never exported."""
    _accept(db, officer, _paid(db))
    with pytest.raises(Conflict):
        onestop_notices.mark_sent(officer, 2025, ["13101"], sent_on=_today())
    onestop_export.export_zip(officer, 2025, password=PASSWORD)
    with pytest.raises(ValidationFailed):
        onestop_notices.mark_sent(officer, 2025, ["13101"], sent_on=_today() + timedelta(days=1))
    with pytest.raises(ValidationFailed):
        onestop_notices.mark_sent(officer, 2025, ["13101"], sent_on=_today() - timedelta(days=1))


def test_refund_after_the_notice_makes_a_cancellation_due(db: Session, officer) -> None:  # type: ignore[no-untyped-def]
    """A notified donation refunded in February: 取消 is exported and, once sent, the number
    is erased."""
    donation = _paid(db)
    app = _accept(db, officer, donation)
    onestop_export.export_zip(officer, 2025, password=PASSWORD)
    onestop_notices.mark_sent(officer, 2025, ["13101"], sent_on=_today())
    db.execute(
        update(Donation)
        .where(Donation.id == donation.id)
        .values(status="refunded", refunded_at=datetime.now(UTC))
    )
    assert onestop_notices.withdraw_refunded() == 1
    db.refresh(app)
    assert app.status == "withdrawn" and app.notice_status == "cancellation_due"
    assert app.my_number_encrypted is not None  # the cancellation carries it
    listing = onestop_export.listing(2025)
    assert listing[0]["people"][0]["kind"] == "取消"
    onestop_export.export_zip(officer, 2025, password=PASSWORD)
    onestop_notices.mark_sent(officer, 2025, ["13101"], sent_on=_today())
    db.refresh(app)
    assert app.notice_status == "cancelled" and app.my_number_encrypted is None


def test_a_change_covers_all_the_donors_applications_and_corrects_sent_notices(
    db: Session, officer
) -> None:  # type: ignore[no-untyped-def]
    """One 変更届 for a donor with two donations (one notice sent, one due) moves both; the
    other donor is untouched; a new postal code in a ward sends the notice to the city."""
    project = make_project(db, miss_policy="refund")
    first = _accept(db, officer, _paid(db, project, email="hanako@example.jp"))
    onestop_export.export_zip(officer, 2025, password=PASSWORD)
    onestop_notices.mark_sent(officer, 2025, ["13101"], sent_on=_today())
    second = _accept(db, officer, _paid(db, project, email="other-address@example.jp"))
    stranger = _accept(
        db,
        officer,
        _paid(db, project, donor_name="別人 太郎", birth_date=date(1970, 1, 1)),
        OTHER,
    )
    changed = onestop_changes.record_change(
        officer,
        second.id,
        received_on=RECEIVED,
        changes={"postal_code": "530-0001", "address": "大阪府大阪市北区梅田1-1"},
    )
    assert changed.applications == 2 and changed.corrections_due == 1 and not changed.resident
    for row in (first, second, stranger):
        db.refresh(row)
    assert first.residence_municipality_code == second.residence_municipality_code == "27127"
    assert first.notice_status == "correction_due" and second.notice_status == "due"
    assert stranger.residence_municipality_code == "13101"
    osaka = next(m for m in onestop_export.listing(2025) if m["municipality_code"] == "27100")
    assert osaka["municipality_name"] == "大阪府大阪市"
    assert sorted(p["kind"] for p in osaka["people"]) == ["変更", "新規"]


def test_moving_into_the_city_cancels_the_gifts_not_yet_sent(db: Session, officer) -> None:  # type: ignore[no-untyped-def]
    """A change to an address in the city (泉佐野市 598-0005) rechecks residency: no gift."""
    from furusato.models import Shipment

    donation = _paid(db)
    app = _application(db, donation)
    assert donation.tier is not None
    db.add(
        Shipment(
            donation_id=donation.id,
            project_id=donation.project_id,
            tier_id=donation.tier.id,
            scheduled_month=date(2026, 3, 1),
            ship_name="寄附 花子",
            ship_postal_code="1000001",
            ship_address="東京都千代田区千代田1-1",
            ship_phone="090-1234-5678",
        )
    )
    db.commit()
    changed = onestop_changes.record_change(
        officer, app.id, received_on=RECEIVED, changes={"postal_code": "5980005"}
    )
    assert changed.resident and changed.shipments_cancelled == 1
    assert db.scalar(select(Shipment.status).where(Shipment.donation_id == donation.id)) == (
        "canceled"
    )


def test_donors_are_grouped_by_my_number_and_mismatches_shown(db: Session, officer) -> None:  # type: ignore[no-untyped-def]
    """Two applications with one number but different names are one donor line each way, both
    exported, and staff see the mismatch; none is dropped."""
    project = make_project(db, miss_policy="refund")
    _accept(db, officer, _paid(db, project, donor_name="寄附 花子"))
    _accept(db, officer, _paid(db, project, donor_name="寄附 はなこ"))
    _accept(db, officer, _paid(db, project, donor_name="寄附 花子"))
    page = onestop_board.year_page(2025)
    assert len(page.mismatches) == 1 and len(page.mismatches[0].application_ids) == 3
    people = page.export[0]["people"]
    assert page.export[0]["donations"] == 3 and len(people) == 1  # one number: one donor


def test_reminders_go_once_per_donor_and_kind_and_can_be_turned_off(db: Session) -> None:
    """Two incomplete applications of one donor: one mail naming both; a second sweep sends
    nothing; a donor who turned reminders off gets none."""
    donor = make_user(db, "donor")
    project = make_project(db, miss_policy="refund")
    first = _paid(db, project, email=donor.email, user_id=donor.id)
    _paid(db, project, email=donor.email, user_id=donor.id)
    quiet = make_user(db, "donor")
    _paid(db, project, email=quiet.email, user_id=quiet.id)
    reminder_settings.update(quiet.id, Change(remind_onestop=False))
    assert onestop_reminders.send_due(today=date(2025, 12, 19)) == 0
    assert onestop_reminders.send_due(today=date(2025, 12, 21)) == 1
    assert onestop_reminders.send_due(today=date(2025, 12, 22)) == 0
    mails = list(db.scalars(select(OutboundEmail).where(OutboundEmail.to_address == donor.email)))
    reminder = [m for m in mails if m.key.startswith("onestop_reminder:")]
    assert len(reminder) == 1 and f"寄附番号 {first.id}" in reminder[0].body_text
    assert "2026年1月13日" in reminder[0].body_text
    assert onestop_reminders.send_due(today=date(2026, 1, 8)) == 1  # the final one
    rows = list(
        db.scalars(select(OnestopReminder.kind).where(OnestopReminder.email == donor.email))
    )
    assert sorted(rows) == ["final", "first"]
    assert not list(db.scalars(select(OnestopReminder).where(OnestopReminder.email == quiet.email)))


def test_only_officers_reveal_and_export(db: Session, officer) -> None:  # type: ignore[no-untyped-def]
    """Plain staff are refused (nothing audited); `furusato staff grant-mynumber` grants it."""
    staff = make_user(db, "staff")
    app = _accept(db, officer, _paid(db))
    with pytest.raises(Forbidden):
        onestop.reveal(staff, app.id)
    with pytest.raises(Forbidden):
        onestop_export.export_zip(staff, 2025, password=PASSWORD)
    assert db.scalar(select(AuditLog).where(AuditLog.actor_id == staff.id)) is None
    assert onestop.get_view(app.id).my_number != NUMBER  # masked for everyone
    result = CliRunner().invoke(main, ["staff", "grant-mynumber", staff.email])
    assert result.exit_code == 0, result.output
    db.refresh(staff)
    assert onestop.reveal(staff, app.id) == NUMBER
    donor = make_user(db, "donor")
    refused = CliRunner().invoke(main, ["staff", "grant-mynumber", donor.email])
    assert refused.exit_code != 0 and "職員" in refused.output
