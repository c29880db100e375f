"""Mail leaves through the outbox: the real worker delivers it to the run's SMTP sink."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from furusato.domain.money import utcnow
from furusato.models import Donation, OutboundEmail
from furusato.services import mail
from furusato.services.giving import donation_mail
from furusato.services.uow import UnitOfWork
from tests.factories import make_donation, make_project
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


def test_a_donation_confirmation_is_written_when_the_worker_sends_it(
    committed: Engine, worker: RunningWorker, smtp_sink: SmtpSink
) -> None:
    """The payment only queues a reference (no task); the worker's relay, on beat, renders the
    donor's mail from the donation as it stands (amount, tax year, what happens next) and
    sends it once."""
    with Session(committed) as s:
        project = make_project(s, miss_policy="keep")
        donation = make_donation(s, project, amount_yen=12_000, final_at=utcnow())
        s.commit()
        donation_id, email, year = donation.id, donation.email, donation.tax_year
    with UnitOfWork() as uow:
        stored = uow.session.get(Donation, donation_id)
        assert stored is not None
        donation_mail.queue_confirmation(uow, stored.id, stored.email)
        uow.commit()
    worker.app.send_task("furusato.relay_mail")  # as beat does every two seconds
    received = smtp_sink.wait_for(lambda m: m["To"] == email)
    assert received is not None, worker.log()
    assert received["Subject"].endswith("ご寄附ありがとうございました（12,000円）")
    body = received.get_content()
    assert "寄附金額: 12,000円" in body and f"{year}年分" in body
    assert "寄附は確定しました" in body
