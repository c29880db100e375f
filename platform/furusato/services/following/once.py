"""Each reminder once: the row in reminder_sends is claimed in the transaction that queues the mail.

`claim` inserts (user, kind, subject) with ON CONFLICT DO NOTHING. The first transaction to
insert it queues the mail and commits both together; any other (a beat restarted mid-sweep, a
second worker sweeping at the same moment, a task delivered twice) finds the key, waits for the
first to commit if it has not yet, and sends nothing. If the first rolls back, the key is free
again and the next sweep sends the mail.
"""

from __future__ import annotations

from furusato.db import insert_or_skip
from furusato.domain.money import utcnow
from furusato.domain.reminders import ReminderKind
from furusato.models import ReminderSend
from furusato.services import mail
from furusato.services.mail_texts import MailText
from furusato.services.uow import UnitOfWork


def claim(uow: UnitOfWork, user_id: int, kind: ReminderKind, subject_key: str) -> bool:
    """True if this unit of work is the one to send the reminder (it must commit the mail)."""
    table = ReminderSend.__table__
    stmt = insert_or_skip(uow.session, table, ["user_id", "kind", "subject_key"]).returning(
        table.c.id
    )
    row = {
        "user_id": user_id,
        "kind": str(kind),
        "subject_key": subject_key,
        "created_at": utcnow(),
    }
    return uow.session.execute(stmt, row).scalar_one_or_none() is not None


def mail_key(user_id: int, kind: ReminderKind, subject_key: str) -> str:
    """The outbox key of the reminder: a second line of defence behind the claim."""
    return f"reminder:{kind}:{user_id}:{subject_key}"


def queue_mail(
    uow: UnitOfWork, user_id: int, kind: ReminderKind, subject_key: str, to: str, text: MailText
) -> None:
    """Queue the claimed reminder's mail in the claim's unit of work (the caller commits both)."""
    mail.queue(
        uow, key=mail_key(user_id, kind, subject_key), to=to, subject=text.subject, body=text.body
    )
