"""Outgoing mail through an outbox: queued in the transaction that caused it, sent by the worker.

`queue` adds an OutboundEmail row (its `key` makes a second queueing of the same mail a no-op)
and asks for `furusato.send_email` after commit; `send` delivers one row over SMTP and marks it.
Attachments are rendered at send time from `attachment_ref` ("receipt:15"), by a renderer the
owning module registers, so a queued mail stays small. So may the whole message be
(`message_ref`, "donation_confirmation:7"): the request that queues it only writes the row, and
the mail says what is true when it leaves.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

from sqlalchemy import select

from furusato.config import get_settings
from furusato.db import insert_or_skip
from furusato.models import OutboundEmail
from furusato.services.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# kind -> (filename, content type, renderer(id) -> bytes)
Renderer = Callable[[int], bytes]
_renderers: dict[str, tuple[str, str, Renderer]] = {}
# kind -> renderer(id) -> (subject, body)
MessageRenderer = Callable[[int], tuple[str, str]]
_messages: dict[str, MessageRenderer] = {}


def register_attachment(kind: str, filename: str, content_type: str, render: Renderer) -> None:
    _renderers[kind] = (filename, content_type, render)


def register_message(kind: str, render: MessageRenderer) -> None:
    _messages[kind] = render


def queue(
    uow: UnitOfWork,
    *,
    key: str,
    to: str,
    subject: str = "",
    body: str = "",
    attachment_ref: str = "",
    message_ref: str = "",
) -> None:
    """Queue a mail in the caller's unit of work; the same key twice queues it once. Either
    its subject and body, or a `message_ref` whose registered renderer writes them when sent."""
    if bool(message_ref) == bool(subject or body):
        raise ValueError("a mail needs its subject and body, or a message_ref, not both")
    values = {
        "key": key,
        "to_address": to,
        "subject": subject,
        "body_text": body,
        "attachment_ref": attachment_ref,
        "message_ref": message_ref,
        "status": "queued",
        "attempts": 0,
        "last_error": "",
        "created_at": datetime.now(UTC),
    }
    table = OutboundEmail.__table__
    stmt = insert_or_skip(uow.session, table, ["key"]).returning(table.c.id)
    result = uow.session.execute(stmt, values)
    email_id = result.scalar_one_or_none()
    if email_id is not None:
        uow.enqueue("furusato.send_email", email_id)


def _smtp() -> smtplib.SMTP:
    url = urlsplit(get_settings().smtp_url)
    host, port = url.hostname or "127.0.0.1", url.port or 25
    if url.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=20)
    else:
        client = smtplib.SMTP(host, port, timeout=20)
        if url.scheme == "smtp+starttls":
            client.starttls()
    if url.username:
        client.login(url.username, url.password or "")
    return client


def send(email_id: int) -> bool:
    """Deliver one queued mail. True if it is (now or already) sent."""
    with UnitOfWork() as uow:
        # Claim: the row lock is held while sending, so a second worker skips this row.
        row = uow.session.scalar(
            select(OutboundEmail)
            .where(OutboundEmail.id == email_id, OutboundEmail.status == "queued")
            .with_for_update(skip_locked=True)
        )
        if row is None:
            return True
        row.attempts += 1
        subject, body = row.subject, row.body_text
        if row.message_ref:
            kind, _, ref = row.message_ref.partition(":")
            subject, body = _messages[kind](int(ref))
        message = EmailMessage()
        message["From"] = get_settings().mail_from
        message["To"] = row.to_address
        message["Subject"] = subject
        message.set_content(body)
        if row.attachment_ref:
            kind, _, ref = row.attachment_ref.partition(":")
            filename, content_type, render = _renderers[kind]
            maintype, subtype = content_type.split("/", 1)
            message.add_attachment(
                render(int(ref)), maintype=maintype, subtype=subtype, filename=filename
            )
        try:
            with _smtp() as client:
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            row.last_error = str(exc)[:500]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
            uow.commit()
            log.warning("mail %s not sent (attempt %s): %s", email_id, row.attempts, exc)
            return False
        row.status = "sent"
        row.sent_at = datetime.now(UTC)
        uow.commit()
        return True


def queued_ids(limit: int = 500) -> list[int]:
    """Mails still waiting (for the beat sweep that retries after a broker or SMTP outage)."""
    with UnitOfWork() as uow:
        return list(
            uow.session.scalars(
                select(OutboundEmail.id)
                .where(OutboundEmail.status == "queued")
                .order_by(OutboundEmail.id)
                .limit(limit)
            )
        )
