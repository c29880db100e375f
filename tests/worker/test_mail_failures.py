"""Mail that cannot be sent as stored ends sent on one line or failed with a reason, through
the real worker: never a task that fails on every sweep, forever."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from furusato.models import OutboundEmail
from furusato.services import mail
from furusato.services.uow import UnitOfWork
from tests.support.picky_smtp import REFUSED, PickySmtp
from tests.support.worker import RunningWorker


def _queue(key: str, to: str, subject: str) -> int:
    """A mail as rows stored before the single-line rules could hold it."""
    with UnitOfWork() as uow:
        mail.queue(uow, key=key, to=to, subject=subject, body="本文です")
        uow.commit()
    with UnitOfWork() as uow:
        row = uow.session.query(OutboundEmail).filter_by(key=key).one()
        return row.id


def _row(engine: Engine, email_id: int) -> OutboundEmail:
    with Session(engine) as s:
        row = s.get(OutboundEmail, email_id)
        assert row is not None
        s.expunge(row)
        return row


def test_a_stored_subject_with_a_line_break_is_sent_on_one_line(
    committed: Engine, worker: RunningWorker, picky_smtp: PickySmtp
) -> None:
    """A title's CR/LF stored before the fix: one Subject line, no added header or recipient."""
    email_id = _queue(
        "test:crlf", "donor@example.jp", "【泉佐野市】タオル\r\nBcc: thief@example.jp"
    )
    got = picky_smtp.wait_for(lambda r: "donor@example.jp" in r.recipients)
    assert got is not None, worker.log()
    assert got.recipients == ["donor@example.jp"]
    assert got.message["Subject"] == "【泉佐野市】タオル Bcc: thief@example.jp"
    assert got.message["Bcc"] is None and b"\nBcc:" not in got.raw
    worker.wait_for(lambda: _row(committed, email_id).status == "sent", timeout=30)


def test_mail_that_cannot_be_delivered_ends_failed_with_the_reason(
    committed: Engine, worker: RunningWorker, picky_smtp: PickySmtp
) -> None:
    """A recipient the server refuses (550) and an address with a line break: failed at once."""
    refused = _queue("test:refused", REFUSED, "寄附金受領証明書")
    broken = _queue("test:broken", "donor@example.jp\r\nBcc: thief@example.jp", "お礼")
    worker.wait_for(
        lambda: {_row(committed, i).status for i in (refused, broken)} == {"failed"}, timeout=60
    )
    row = _row(committed, refused)
    assert row.attempts == 1 and "550" in row.last_error and row.next_attempt_at is None
    row = _row(committed, broken)
    assert row.attempts == 1 and "bad address" in row.last_error
    assert picky_smtp.received == []
    assert refused not in mail.queued_ids() and broken not in mail.queued_ids()
