"""fiscal-year costs: what the city actually spent, in 総務省's 現況調査 categories

Revision ID: 7e3a51c2d9b4
Revises: 7a1f3c9d2b64
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import furusato.models.base

revision: str = "7e3a51c2d9b4"
down_revision: str | None = "7a1f3c9d2b64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORIES = "'gift_procurement', 'shipping', 'advertising', 'payment', 'administration', 'other'"


def upgrade() -> None:
    op.create_table(
        "fiscal_year_costs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("amount_yen", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", furusato.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"category IN ({CATEGORIES})", name=op.f("ck_fiscal_year_costs_category_allowed")
        ),
        sa.CheckConstraint(
            "amount_yen >= 0", name=op.f("ck_fiscal_year_costs_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_fiscal_year_costs_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fiscal_year_costs")),
        sa.UniqueConstraint(
            "fiscal_year", "category", name=op.f("uq_fiscal_year_costs_year_category")
        ),
    )
    op.create_index(op.f("ix_fiscal_year_costs_fiscal_year"), "fiscal_year_costs", ["fiscal_year"])


def downgrade() -> None:
    op.drop_index(op.f("ix_fiscal_year_costs_fiscal_year"), table_name="fiscal_year_costs")
    op.drop_table("fiscal_year_costs")
