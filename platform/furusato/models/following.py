"""Campaigns a donor follows, and the reminder mails sent to them (each once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from furusato.domain.reminders import ReminderKind
from furusato.models.base import Base, created_at_column, state_check, state_column


class Follow(Base):
    """A donor follows a campaign (お気に入り): マイページ lists it, its reminders reach them."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "project_id", name="uq_follows_user_project"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    created_at: Mapped[datetime] = created_at_column()


class ReminderSend(Base):
    """One reminder mail queued for one donor: the unique key is the once-only guarantee.

    Inserted in the same transaction as the outbox row, so a restarted beat or two workers
    sweeping at once queue each reminder once (the second insert finds the key and skips)."""

    __tablename__ = "reminder_sends"
    __table_args__ = (
        state_check("kind", ReminderKind),
        UniqueConstraint("user_id", "kind", "subject_key", name="uq_reminder_sends_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = state_column(ReminderKind)
    subject_key: Mapped[str] = mapped_column(String(60))  # "2026", "project:12"
    created_at: Mapped[datetime] = created_at_column()
