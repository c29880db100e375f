"""Staff and the outbox: the mails that could not be sent, and queueing one again.

A mail ends `failed` when sending it again could not help, or after every attempt failed
(services/mail.py); its reason stays in `last_error`. Staff see them with the recipient, the
subject and the reason, and may queue one again once its cause is fixed (an address corrected
at the donor's request, the mail server back): the attempts start again from nothing. Each
such retry is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from furusato.domain.states import Role
from furusato.domain.text import one_line
from furusato.models import OutboundEmail, User
from furusato.services import audit
from furusato.services.errors import Conflict, Forbidden, NotFound
from furusato.services.uow import UnitOfWork

PAGE_SIZE = 200


@dataclass(frozen=True)
class FailedMail:
    id: int
    to_address: str
    subject: str  # "" when the mail is written when it is sent (message_ref)
    kind: str  # what the mail is about: its key's first part (receipt, donation, …)
    reason: str
    attempts: int
    created_at: datetime


def failed(limit: int = PAGE_SIZE) -> list[FailedMail]:
    """The newest failed mails first."""
    with UnitOfWork() as uow:
        rows = uow.session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.status == "failed")
            .order_by(OutboundEmail.id.desc())
            .limit(limit)
        )
        return [
            FailedMail(
                id=row.id,
                to_address=one_line(row.to_address),
                subject=one_line(row.subject),
                kind=row.key.split(":", 1)[0],
                reason=row.last_error,
                attempts=row.attempts,
                created_at=row.created_at,
            )
            for row in rows
        ]


def failed_count() -> int:
    with UnitOfWork() as uow:
        return int(
            uow.session.scalar(
                select(func.count())
                .select_from(OutboundEmail)
                .where(OutboundEmail.status == "failed")
            )
            or 0
        )


def retry(actor: User, email_id: int, *, ip_address: str = "") -> None:
    """Staff: queue a failed mail again (sent after commit, its attempts counted afresh)."""
    if actor.role != Role.STAFF:
        raise Forbidden("メールの再送は市の職員だけができます。")
    with UnitOfWork() as uow:
        row = uow.session.scalar(
            select(OutboundEmail).where(OutboundEmail.id == email_id).with_for_update()
        )
        if row is None:
            raise NotFound("メールが見つかりません。")
        if row.status != "failed":
            raise Conflict("送信できなかったメールだけを再送できます。")
        before = {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
        row.status = "queued"
        row.attempts = 0
        row.next_attempt_at = None
        audit.record(
            uow.session,
            actor,
            "mail.retry",
            "outbound_email",
            row.id,
            before=before,
            after={"status": row.status, "to": row.to_address},
            ip_address=ip_address,
        )
        uow.enqueue("furusato.send_email", row.id)
        uow.commit()
