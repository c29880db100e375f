"""Subsidy payouts to businesses, their transfer batches, and the double-entry-ish ledger."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from furusato.domain.cost_survey import CostCategory
from furusato.domain.states import PayoutStatus
from furusato.models.base import Base, Yen, created_at_column, state_check, state_column

if TYPE_CHECKING:
    from furusato.models.projects import Business, Project


class PayoutBatch(Base):
    """One export of approved payouts as a Zengin general transfer file."""

    __tablename__ = "payout_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_date: Mapped[date]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    zengin_file: Mapped[bytes] = mapped_column(LargeBinary)
    total_yen: Mapped[int] = mapped_column(Yen)
    paid_on: Mapped[date | None]
    paid_marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Payout(Base):
    """The subsidy owed to a business for one funded campaign (one per project)."""

    __tablename__ = "payouts"
    __table_args__ = (
        state_check("status", PayoutStatus),
        CheckConstraint("amount_yen > 0", name="amount_positive"),
        CheckConstraint(
            "approved_by_id IS NULL OR approved_by_id <> prepared_by_id",
            name="four_eyes",
        ),
        CheckConstraint(
            "status = 'draft' OR (bank_code IS NOT NULL AND branch_code IS NOT NULL"
            " AND account_type IS NOT NULL AND account_number IS NOT NULL"
            " AND account_holder_kana IS NOT NULL)",
            name="account_snapshot",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), unique=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    amount_yen: Mapped[int] = mapped_column(Yen)
    status: Mapped[str] = state_column(PayoutStatus, default=PayoutStatus.DRAFT, index=True)
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payout_batches.id"), index=True)
    exported_at: Mapped[datetime | None]
    paid_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()
    # The business's account as the preparer checked it, written when the payout is prepared:
    # the transfer file is made from these, never from the business's current account. An
    # account edit while the payout is prepared or approved clears them and sends it back to
    # draft (`returned_to_draft_at`), so the new account goes through four eyes again.
    bank_code: Mapped[str | None] = mapped_column(String(4))
    bank_name_kana: Mapped[str | None] = mapped_column(String(15))
    branch_code: Mapped[str | None] = mapped_column(String(3))
    branch_name_kana: Mapped[str | None] = mapped_column(String(15))
    account_type: Mapped[str | None] = mapped_column(String(1))
    account_number: Mapped[str | None] = mapped_column(String(7))
    account_holder_kana: Mapped[str | None] = mapped_column(String(30))
    returned_to_draft_at: Mapped[datetime | None]

    project: Mapped[Project] = relationship()
    business: Mapped[Business] = relationship()
    batch: Mapped[PayoutBatch | None] = relationship()


class LedgerEntry(Base):
    """A signed amount booked against a campaign. `key` makes each booking happen once."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # e.g. settle:12:subsidy
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donations.id"), index=True)
    # donation_received | refund | payment_fee | gift_cost | shipping_cost | subsidy_payable
    # | city_share
    account: Mapped[str] = mapped_column(String(40))
    amount_yen: Mapped[int] = mapped_column(Yen)
    fiscal_year: Mapped[int]  # April–March, by the JST date of the booking
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = created_at_column()


class FiscalYearCost(Base):
    """What the city actually spent in one 現況調査 category of one fiscal year (April–March).

    One row per year and category; staff correct it in place and the audit log keeps every
    earlier amount (services/settlement/cost_survey.py)."""

    __tablename__ = "fiscal_year_costs"
    __table_args__ = (
        state_check("category", CostCategory),
        CheckConstraint("amount_yen >= 0", name="amount_not_negative"),
        UniqueConstraint("fiscal_year", "category", name="uq_fiscal_year_costs_year_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    category: Mapped[str] = mapped_column(String(32))
    amount_yen: Mapped[int] = mapped_column(Yen)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
