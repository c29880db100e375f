"""What follows a final donation: receipts, gift shipments and one-stop applications."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
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

from furusato.domain.money import utcnow
from furusato.domain.states import NoticeStatus, OnestopStatus, ShipmentStatus
from furusato.models.base import Base, created_at_column, state_check, state_column

if TYPE_CHECKING:
    from furusato.models.donations import Donation
    from furusato.models.projects import Tier


class ReceiptCounter(Base):
    """The last receipt number used in a calendar year; incremented inside the issuing
    transaction, so numbers are gapless (a rolled-back issue gives its number back)."""

    __tablename__ = "receipt_counters"
    __table_args__ = (CheckConstraint("last_seq >= 0", name="seq_nonneg"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Receipt(Base):
    """寄附金受領証明書. Its `content` is frozen at issue; a correction is a new receipt."""

    __tablename__ = "receipts"
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_receipts_year_seq"),
        CheckConstraint("seq > 0", name="seq_positive"),
        # At most one valid (not voided) receipt per donation.
        Index(
            "uq_receipts_valid_per_donation",
            "donation_id",
            unique=True,
            postgresql_where=text("voided_at IS NULL"),
            sqlite_where=text("voided_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # 2026-000123
    received_on: Mapped[date]  # payment-completed date in JST
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = created_at_column()
    emailed_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str] = mapped_column(Text, default="")
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("receipts.id"))

    donation: Mapped[Donation] = relationship()


class Shipment(Base):
    """One delivery of a donation's gift: a 定期便 of N deliveries has N rows (delivery_number
    1..N), each scheduled, sent and tracked on its own."""

    __tablename__ = "shipments"
    __table_args__ = (
        state_check("status", ShipmentStatus),
        UniqueConstraint("donation_id", "delivery_number", name="uq_shipments_donation_delivery"),
        CheckConstraint(
            "delivery_number >= 1 AND delivery_number <= delivery_count", name="delivery_number"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id"))
    delivery_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    delivery_count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("tiers.id"), index=True)
    scheduled_month: Mapped[date]
    status: Mapped[str] = state_column(ShipmentStatus, default=ShipmentStatus.SCHEDULED)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    # Where it goes: the donor, or the recipient the donor named (then gift_from is the
    # donor's name, for the label and the packing slip).
    ship_name: Mapped[str] = mapped_column(String(100))
    ship_postal_code: Mapped[str] = mapped_column(String(8))
    ship_address: Mapped[str] = mapped_column(String(300))
    ship_phone: Mapped[str] = mapped_column(String(30))
    gift_from: Mapped[str] = mapped_column(String(100), default="", server_default="")
    gift_wrapping: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    noshi: Mapped[str] = mapped_column(String(10), default="", server_default="")
    noshi_name: Mapped[str] = mapped_column(String(20), default="", server_default="")
    delivery_window: Mapped[str] = mapped_column(String(8), default="", server_default="")
    carrier: Mapped[str] = mapped_column(String(40), default="")
    tracking_number: Mapped[str] = mapped_column(String(40), default="")
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    donation: Mapped[Donation] = relationship()
    tier: Mapped[Tier] = relationship()


class OnestopApplication(Base):
    """ワンストップ特例申請 for one donation. My Number is only ever stored encrypted."""

    __tablename__ = "onestop_applications"
    __table_args__ = (
        state_check("status", OnestopStatus),
        state_check("notice_status", NoticeStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id"), unique=True)
    status: Mapped[str] = state_column(OnestopStatus, default=OnestopStatus.REQUESTED)
    tax_year: Mapped[int | None] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(100))
    name_kana: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(300))
    residence_municipality_code: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[date | None]
    gender: Mapped[str | None] = mapped_column(String(6))
    phone: Mapped[str] = mapped_column(String(30))
    received_on: Mapped[date | None]
    my_number_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_checked: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    late_notified_at: Mapped[datetime | None]
    # The notice to the residence municipality (申告特例通知書): none until accepted, then
    # domain/states.py NOTICE. `exported_at` is when the pending notice was last put in an
    # export (cleared when its details change, so a stale export cannot be marked sent);
    # `notice_sent_on` the day staff posted the first notice, `notice_last_sent_on` the day
    # of the latest one (a correction or cancellation).
    notice_status: Mapped[str | None] = mapped_column(String(20), index=True)
    exported_at: Mapped[datetime | None]
    notice_sent_on: Mapped[date | None]
    notice_last_sent_on: Mapped[date | None]
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    donation: Mapped[Donation] = relationship()


class OnestopReminder(Base):
    """One reminder mail of a kind to one donor (by address) for one tax year: the unique key
    is claimed in the transaction that queues the mail, so a restarted beat never sends two."""

    __tablename__ = "onestop_reminders"
    __table_args__ = (
        UniqueConstraint("email", "tax_year", "kind", name="uq_onestop_reminders_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    tax_year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    application_ids: Mapped[list[int]] = mapped_column(JSON)
    sent_at: Mapped[datetime] = created_at_column()
