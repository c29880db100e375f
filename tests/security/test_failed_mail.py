"""The outbox's failures: transient ones retried with growing delays up to MAX_ATTEMPTS, then
failed; staff see every failed mail with its reason and may send it again (audited)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.models import AuditLog, OutboundEmail
from furusato.services import mail
from furusato.services.uow import UnitOfWork
from tests.conftest import TaskRecorder, login
from tests.factories import make_user
from tests.support.picky_smtp import LATER, REFUSED, PickySmtp


def _queue(db: Session, key: str, to: str = "donor@example.jp") -> OutboundEmail:
    with UnitOfWork() as uow:
        mail.queue(uow, key=key, to=to, subject="寄附金受領証明書", body="本文です")
        uow.commit()
    row = db.scalar(select(OutboundEmail).where(OutboundEmail.key == key))
    assert row is not None
    return row


def _make_due(db: Session, row: OutboundEmail) -> None:
    row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
    db.flush()


def test_a_transient_failure_waits_longer_each_time_then_ends_failed(db: Session) -> None:
    """No mail server (nothing listens on the run's SMTP port): queued again after 5, 10, 20 …
    minutes (at most 2 h), not before; failed with the reason after MAX_ATTEMPTS."""
    row = _queue(db, "test:outage")
    delays = []
    for attempt in range(1, mail.MAX_ATTEMPTS + 1):
        before = datetime.now(UTC)
        assert mail.send(row.id) is False
        db.refresh(row)
        assert row.attempts == attempt and "no connection" in row.last_error
        if attempt < mail.MAX_ATTEMPTS:
            assert row.status == "queued" and row.next_attempt_at is not None
            delays.append(round((row.next_attempt_at - before).total_seconds() / 60))
            assert row.id not in mail.queued_ids()  # not due: the sweep leaves it
            assert mail.send(row.id) is False and (db.refresh(row) or row.attempts) == attempt
            _make_due(db, row)
            assert row.id in mail.queued_ids()
    assert delays == [5, 10, 20, 40, 80, 120, 120]
    assert row.status == "failed" and row.next_attempt_at is None
    assert row.id not in mail.queued_ids()


def test_a_mail_sent_after_a_temporary_refusal_when_it_is_due(
    db: Session, picky_smtp: PickySmtp
) -> None:
    """A 451 is transient: the mail stays queued for later; a 550 is not: failed at once."""
    later = _queue(db, "test:later", LATER)
    refused = _queue(db, "test:refused", REFUSED)
    assert mail.send(later.id) is False and mail.send(refused.id) is False
    db.refresh(later)
    db.refresh(refused)
    assert (later.status, later.attempts) == ("queued", 1) and "451" in later.last_error
    assert later.next_attempt_at is not None and later.next_attempt_at > datetime.now(UTC)
    assert (refused.status, refused.attempts) == ("failed", 1) and "550" in refused.last_error
    later.to_address = "donor@example.jp"  # the mailbox is free again
    _make_due(db, later)
    assert mail.send(later.id) is True
    db.refresh(later)
    assert later.status == "sent" and later.attempts == 2
    assert picky_smtp.wait_for(lambda r: r.recipients == ["donor@example.jp"]) is not None


def test_staff_see_failed_mail_and_send_it_again_audited(
    client: FlaskClient, db: Session, sent_tasks: TaskRecorder
) -> None:
    """The staff page lists recipient, subject and reason; the retry button queues the mail
    again with fresh attempts, sends it after commit, and writes the audit log."""
    row = _queue(db, "test:bounce", "bounce@example.jp")
    row.status, row.attempts = "failed", 3
    row.last_error = "recipient refused: bounce@example.jp: 550 5.1.1 no such user"
    db.flush()
    staff = make_user(db, "staff")
    login(client, staff)
    assert "送信できなかったメール（1件）" in client.get("/staff/").get_data(as_text=True)
    page = client.get("/staff/mail").get_data(as_text=True)
    assert "bounce@example.jp" in page and "寄附金受領証明書" in page and "550 5.1.1" in page
    sent_tasks.sent.clear()
    response = client.post(f"/staff/mail/{row.id}/retry")
    assert response.status_code == 302
    db.refresh(row)
    assert (row.status, row.attempts, row.next_attempt_at) == ("queued", 0, None)
    assert sent_tasks.sent == [("furusato.send_email", (row.id,))]
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "mail.retry"))
    assert entry is not None and entry.actor_id == staff.id and entry.target_id == str(row.id)
    assert entry.before == {"status": "failed", "attempts": 3, "last_error": row.last_error}
    again = client.post(f"/staff/mail/{row.id}/retry", follow_redirects=True)
    assert "送信できなかったメールだけを再送できます。" in again.get_data(as_text=True)
