"""Mail leaves through the outbox: the real worker delivers it to the run's SMTP sink."""

from __future__ import annotations

from sqlalchemy import Engine, select

from furusato.models import OutboundEmail
from furusato.services import mail
from furusato.services.uow import UnitOfWork
from tests.support.mail import SmtpSink
from tests.support.worker import RunningWorker


def test_a_queued_mail_is_sent_by_the_worker_and_marked_sent(
    committed: Engine, worker: RunningWorker, smtp_sink: SmtpSink
) -> None:
    """Queued in a unit of work, sent after commit by the worker, received once by the sink."""
    with UnitOfWork() as uow:
        mail.queue(
            uow, key="test:mail:1", to="donor@example.jp", subject="ご寄附のお礼", body="本文です"
        )
        mail.queue(
            uow, key="test:mail:1", to="donor@example.jp", subject="ご寄附のお礼", body="本文です"
        )
        uow.commit()
    received = smtp_sink.wait_for(lambda m: m["To"] == "donor@example.jp")
    assert received is not None, worker.log()
    assert received["Subject"] == "ご寄附のお礼"
    assert received.get_content().strip() == "本文です"
    with UnitOfWork() as uow:

        def sent() -> bool:
            uow.session.expire_all()
            row = uow.session.scalar(
                select(OutboundEmail).where(OutboundEmail.key == "test:mail:1")
            )
            return row is not None and row.status == "sent"

        worker.wait_for(sent, timeout=30)
    assert len([m for m in smtp_sink.messages if m["To"] == "donor@example.jp"]) == 1
