"""Donations, every call made to the payment gateway for them, and received webhook events."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from furusato.domain.money import utcnow
from furusato.domain.states import (
    AttemptKind,
    AttemptStatus,
    DonationStatus,
    SettlementState,
)
from furusato.models.base import Base, Yen, created_at_column, state_check, state_column

if TYPE_CHECKING:
    from furusato.models.projects import Project, Tier


class Donation(Base):
    """One gift of money to the city, with the donor's details as given at the time."""

    __tablename__ = "donations"
    __table_args__ = (
        state_check("status", DonationStatus),
        CheckConstraint("amount_yen >= 2000", name="amount_min"),
        CheckConstraint("fee_yen >= 0", name="fee_nonneg"),
        CheckConstraint(
            "settlement_state IS NULL OR settlement_state IN ('pending', 'done', 'failed')",
            name="settlement_state_allowed",
        ),
        CheckConstraint("gender IS NULL OR gender IN ('male', 'female')", name="gender_allowed"),
        CheckConstraint(
            "(status = 'paid' OR status = 'refunded') = (paid_at IS NOT NULL)"
            " OR status = 'expired'",
            name="paid_has_time",
        ),
        Index("ix_donations_project_status", "project_id", "status"),
        Index("ix_donations_project_settlement", "project_id", "settlement_state"),
        Index("ix_donations_pending_expiry", "status", "reserved_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The client's Idempotency-Key (scoped): a retried create finds this row instead of a new one.
    creation_key: Mapped[str] = mapped_column(String(300), unique=True)
    # Random secret in the guest's confirmation link.
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    amount_yen: Mapped[int] = mapped_column(Yen)
    gift: Mapped[bool] = mapped_column(default=False)  # a gift will be sent for this donation
    resident: Mapped[bool] = mapped_column(default=False)  # donor lives in the city: no gift
    status: Mapped[str] = state_column(DonationStatus, default=DonationStatus.PENDING_PAYMENT)
    # Donor details as given for this donation (the receipt is built from them).
    donor_name: Mapped[str] = mapped_column(String(100))
    donor_name_kana: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(30))
    postal_code: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(300))
    municipality_code: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[date | None]
    gender: Mapped[str | None] = mapped_column(String(6))
    onestop_requested: Mapped[bool] = mapped_column(default=False)
    # The gift as the donor asked for it (domain/deliveries.py): to someone else (a recipient
    # name set), wrapped, with のし, in a delivery window. Empty for the donor's own address,
    # and always for a donation without a gift.
    recipient_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    recipient_postal_code: Mapped[str] = mapped_column(String(8), default="", server_default="")
    recipient_address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    recipient_phone: Mapped[str] = mapped_column(String(30), default="", server_default="")
    gift_wrapping: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    noshi: Mapped[str] = mapped_column(String(10), default="", server_default="")
    noshi_name: Mapped[str] = mapped_column(String(20), default="", server_default="")
    delivery_window: Mapped[str] = mapped_column(String(8), default="", server_default="")
    # Gateway objects.
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64))
    setup_intent_id: Mapped[str | None] = mapped_column(String(64))
    setup_intent_client_secret: Mapped[str | None] = mapped_column(String(128))
    payment_intent_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    fee_yen: Mapped[int] = mapped_column(Yen, default=0)
    # Times: pledge (created_at), reservation end, payment completed, final, refunded.
    created_at: Mapped[datetime] = created_at_column()
    reserved_until: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    tax_year: Mapped[int | None] = mapped_column(Integer)  # JST year of paid_at
    final_at: Mapped[datetime | None]  # can no longer be refunded: receipt may be issued
    refunded_at: Mapped[datetime | None]
    settlement_state: Mapped[str | None] = mapped_column(String(len(SettlementState.PENDING)))
    settlement_error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    tier: Mapped[Tier | None] = relationship()
    attempts: Mapped[list[PaymentAttempt]] = relationship(
        back_populates="donation", order_by="PaymentAttempt.id"
    )


class PaymentAttempt(Base):
    """One call to the gateway to charge or refund a donation, written before the call is made.

    `key` is also sent as Stripe's Idempotency-Key; our database, not the gateway, guarantees
    one live charge and one refund per donation (the partial unique indexes below).
    """

    __tablename__ = "payment_attempts"
    __table_args__ = (
        state_check("kind", AttemptKind),
        state_check("status", AttemptStatus),
        CheckConstraint("amount_yen > 0", name="amount_positive"),
        Index(
            "uq_payment_attempts_live_charge",
            "donation_id",
            unique=True,
            postgresql_where=text("kind = 'charge' AND status <> 'failed'"),
            sqlite_where=text("kind = 'charge' AND status <> 'failed'"),
        ),
        Index(
            "uq_payment_attempts_one_refund",
            "donation_id",
            unique=True,
            postgresql_where=text("kind = 'refund' AND status <> 'failed'"),
            sqlite_where=text("kind = 'refund' AND status <> 'failed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id"), index=True)
    kind: Mapped[str] = state_column(AttemptKind)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # donation:{id}:charge:{n}
    status: Mapped[str] = state_column(AttemptStatus, default=AttemptStatus.STARTED)
    amount_yen: Mapped[int] = mapped_column(Yen)
    payment_method_id: Mapped[str | None] = mapped_column(String(64))
    gateway_object_id: Mapped[str | None] = mapped_column(String(64), index=True)  # pi_/re_
    client_secret: Mapped[str | None] = mapped_column(String(128))
    error_code: Mapped[str] = mapped_column(String(64), default="")
    error_message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    donation: Mapped[Donation] = relationship(back_populates="attempts")


class WebhookEvent(Base):
    """A verified gateway event, stored in the same transaction as the change it caused."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # evt_...
    type: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[str] = mapped_column(String(80), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = created_at_column()
