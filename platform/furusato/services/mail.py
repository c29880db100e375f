"""Outgoing mail through an outbox: queued in the transaction that caused it, sent by the worker.

`queue` adds an OutboundEmail row (its `key` makes a second queueing of the same mail a no-op)
and asks for `furusato.send_email` after commit; `send` delivers one row over SMTP and marks it.
A mail's subject and body are a template under templates/mail/, written by
`mail_texts.render`; no service writes them itself (tests/unit/test_mail_call_sites.py).
Attachments are rendered at send time from `attachment_ref` ("receipt:15"), by a renderer the
owning module registers, so a queued mail stays small. So may the whole message be
(`message_ref`, "donation_confirmation:7"): the request that queues it only writes the row, and
the mail says what is true when it leaves.

A mail that cannot be sent ends `failed` with the reason, for staff to see (services/
mail_outbox.py): at once when sending again cannot help (an address mail cannot go to, a
message that cannot be built, the server refusing the recipient or the message with a 5xx),
after MAX_ATTEMPTS when the failure was transient (no connection, a 4xx), each attempt waiting
twice as long as the one before (RETRY_AFTER, at most RETRY_AT_MOST); the beat sweep sends what
is due. Header values are made one line when the message is built, so text stored before the
single-line rules (domain/text.py) cannot break or add headers.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import SQLAlchemyError

from furusato.config import get_settings
from furusato.db import insert_or_skip
from furusato.domain.money import utcnow
from furusato.domain.text import one_line
from furusato.models import OutboundEmail
from furusato.services.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
RELAY_BATCH = 200  # mails one run of the relay sends at most (the next run takes the rest)
RETRY_AFTER = timedelta(minutes=5)  # after the first failed attempt; doubled after each next
RETRY_AT_MOST = timedelta(hours=2)
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
    publish: bool = True,
) -> None:
    """Queue a mail in the caller's unit of work; the same key twice queues it once. Either
    its subject and body, or a `message_ref` whose registered renderer writes them when sent.
    Without `publish` the unit of work sends no task: the worker's relay (`relay`, on beat
    every few seconds) sends the row, so a donor's request only writes it."""
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
        "created_at": utcnow(),
    }
    table = OutboundEmail.__table__
    stmt = insert_or_skip(uow.session, table, ["key"]).returning(table.c.id)
    result = uow.session.execute(stmt, values)
    email_id = result.scalar_one_or_none()
    if email_id is not None and publish:
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


class Undeliverable(Exception):
    """Sending this mail again cannot succeed; the message says why."""


def retry_delay(attempts: int) -> timedelta:
    """How long a mail waits after its `attempts`-th attempt failed for a transient reason."""
    return min(RETRY_AFTER * 2 ** max(attempts - 1, 0), RETRY_AT_MOST)


def _due() -> ColumnElement[bool]:
    now = utcnow()
    return or_(OutboundEmail.next_attempt_at.is_(None), OutboundEmail.next_attempt_at <= now)


def _message(row: OutboundEmail) -> EmailMessage:
    """The message to send; Undeliverable when it cannot be built (an address mail cannot go
    to, a reference nothing renders)."""
    try:
        to = validate_email(row.to_address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise Undeliverable(f"bad address {row.to_address!r}: {exc}") from None
    subject, body = row.subject, row.body_text
    message = EmailMessage()
    try:
        if row.message_ref:
            kind, _, ref = row.message_ref.partition(":")
            subject, body = _messages[kind](int(ref))
        message["From"] = one_line(get_settings().mail_from)
        message["To"] = to
        message["Subject"] = one_line(subject)
        message.set_content(body)
        if row.attachment_ref:
            kind, _, ref = row.attachment_ref.partition(":")
            filename, content_type, render = _renderers[kind]
            maintype, subtype = content_type.split("/", 1)
            message.add_attachment(
                render(int(ref)), maintype=maintype, subtype=subtype, filename=one_line(filename)
            )
    except SQLAlchemyError:
        raise  # the database, not the mail: the sweep tries again
    except Exception as exc:  # a mail nothing can write would be tried forever
        raise Undeliverable(f"the message could not be built: {exc!r}") from None
    return message


def _refused_for_good(exc: smtplib.SMTPException) -> bool:
    """A 5xx about this mail (its recipient, its content); not the server or our account."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600


def send(email_id: int) -> bool:
    """Deliver one queued mail that is due. True if it is (now or already) sent."""
    with UnitOfWork() as uow:
        # Claim: the row lock is held while sending, so a second worker skips this row.
        row = uow.session.scalar(
            select(OutboundEmail)
            .where(OutboundEmail.id == email_id, OutboundEmail.status == "queued", _due())
            .with_for_update(skip_locked=True)
        )
        if row is None:  # sent, failed, not due yet, or being sent by another worker
            current = uow.session.get(OutboundEmail, email_id)
            return current is None or current.status == "sent"
        row.attempts += 1
        try:
            message = _message(row)
            with _smtp() as client:
                client.send_message(message)
        except Undeliverable as exc:
            return _failed(uow, row, str(exc), permanent=True)
        except smtplib.SMTPException as exc:
            return _failed(uow, row, _smtp_reason(exc), permanent=_refused_for_good(exc))
        except OSError as exc:
            return _failed(uow, row, f"no connection to the mail server: {exc}", permanent=False)
        row.status = "sent"
        row.sent_at = utcnow()
        row.next_attempt_at = None
        uow.commit()
        return True


def _smtp_reason(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = "; ".join(
            f"{address}: {code} {text.decode(errors='replace')}"
            for address, (code, text) in exc.recipients.items()
        )
        return f"recipient refused: {answers}"
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else exc.smtp_error
        )
        return f"mail server answered {exc.smtp_code} {detail}"
    return f"mail server error: {exc}"


def _failed(uow: UnitOfWork, row: OutboundEmail, reason: str, *, permanent: bool) -> bool:
    """Record a failed attempt: failed for good, or queued again after its delay."""
    row.last_error = reason[:1000]
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
        row.next_attempt_at = None
    else:
        row.next_attempt_at = utcnow() + retry_delay(row.attempts)
    uow.commit()
    log.warning("mail %s not sent (attempt %s, %s): %s", row.id, row.attempts, row.status, reason)
    return False


def relay(limit: int = RELAY_BATCH) -> list[int]:
    """The worker's outbox relay (beat, every few seconds): send the mails waiting and due,
    oldest first, in this task; returns their ids. A mail another worker is sending is
    skipped (`send` claims its row), so overlapping relays never send one twice."""
    ids = queued_ids(limit)
    for email_id in ids:
        send(email_id)
    return ids


def queued_ids(limit: int = 500) -> list[int]:
    """Mails waiting and due (for the beat sweep that retries after a broker or SMTP outage);
    a failed mail is not among them."""
    with UnitOfWork() as uow:
        return list(
            uow.session.scalars(
                select(OutboundEmail.id)
                .where(OutboundEmail.status == "queued", _due())
                .order_by(OutboundEmail.id)
                .limit(limit)
            )
        )
