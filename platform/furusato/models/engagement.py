"""A campaign's life after the pledge: updates to its donors (活動報告, the final report with
its accounts), donors who asked for no more of them, and donors' messages (応援メッセージ)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from furusato.domain.states import CheerStatus, UpdateStatus
from furusato.models.base import Base, Yen, created_at_column, state_check, state_column


class CampaignUpdate(Base):
    """活動報告: Markdown by the business, kept with its sanitised HTML; staff may hold it back.
    `mailed_at` is set in the transaction that queues its mails, so they are queued once."""

    __tablename__ = "campaign_updates"
    __table_args__ = (
        state_check("status", UpdateStatus),
        # One published final report per campaign (a held one may be followed by another).
        Index(
            "uq_campaign_updates_one_final",
            "project_id",
            unique=True,
            postgresql_where=text("is_final AND status = 'published'"),
            sqlite_where=text("is_final AND status = 'published'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    is_final: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = state_column(UpdateStatus, default=UpdateStatus.PUBLISHED)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = created_at_column()
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    held_at: Mapped[datetime | None]
    hold_reason: Mapped[str] = mapped_column(Text, default="")
    mailed_at: Mapped[datetime | None]
    mailed_count: Mapped[int] = mapped_column(Integer, default=0)

    accounts: Mapped[list[UpdateAccountLine]] = relationship(
        order_by="UpdateAccountLine.position", cascade="all, delete-orphan"
    )


class UpdateAccountLine(Base):
    """One line of a final report's accounts: an item the subsidy paid for, in whole yen."""

    __tablename__ = "update_account_lines"
    __table_args__ = (
        CheckConstraint("amount_yen > 0", name="amount_positive"),
        UniqueConstraint("update_id", "position", name="uq_update_account_line_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("campaign_updates.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(100))
    amount_yen: Mapped[int] = mapped_column(Yen)


class UpdateImage(Base):
    """A picture of an update, checked by content and stored resized like the project's."""

    __tablename__ = "update_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("campaign_updates.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    large: Mapped[bytes] = mapped_column(LargeBinary)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    alt_text: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = created_at_column()


class UpdateUnsubscribe(Base):
    """A donor (by mail address, lower-cased) who asked for no more updates of a campaign."""

    __tablename__ = "update_unsubscribes"
    __table_args__ = (UniqueConstraint("project_id", "email", name="uq_update_unsubscribe"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = created_at_column()


class CheerMessage(Base):
    """応援メッセージ: left with a pledge (one per donation), shown once approved and paid."""

    __tablename__ = "cheer_messages"
    __table_args__ = (state_check("status", CheerStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id"), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    display_name: Mapped[str] = mapped_column(String(30), default="")  # "" when 匿名
    status: Mapped[str] = state_column(CheerStatus, default=CheerStatus.PENDING)
    created_at: Mapped[datetime] = created_at_column()
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reply: Mapped[str | None] = mapped_column(Text)  # the business's one reply
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replied_at: Mapped[datetime | None]
