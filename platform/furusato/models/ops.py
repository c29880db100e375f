"""Operational records: the staff audit log and outgoing mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from furusato.models.base import Base, created_at_column


class AuditLog(Base):
    """Who did what to which record, when, with the values before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    created_at: Mapped[datetime] = created_at_column()


class OutboundEmail(Base):
    """A mail to send, written in the transaction that caused it; `key` sends it once.

    `queued` until it is `sent`; a mail that cannot be sent ends `failed`, with the reason in
    `last_error` (staff see it and may queue it again). After a transient failure it waits
    until `next_attempt_at` (services/mail.py).
    """

    __tablename__ = "outbound_emails"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status_allowed"),
        Index("ix_outbound_emails_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # donation:7:confirmation
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    # Optional attachment rendered at send time: e.g. "receipt:15" or "onestop_form:9".
    attachment_ref: Mapped[str] = mapped_column(String(60), default="")
    # Or the whole message rendered at send time: e.g. "donation_confirmation:7".
    message_ref: Mapped[str] = mapped_column(String(60), default="", server_default="")
    status: Mapped[str] = mapped_column(String(6), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None]
