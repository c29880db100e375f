"""The facts 告示第5条's later rules read from a gift tier: 一般販売価格, the value added in the
area (3号), the lodging price per person-night (7号 宿泊), and for 熟成肉・精米 whether the meat or
rice was produced in the same prefecture

Existing tiers get none of these (NULL, or not a 熟成肉・精米): a tier stored before them is
checked again at its next submission, which then asks for them.

Revision ID: 3c8e1a5f7b20
Revises: e7a3c5d1f920
Create Date: 2026-12-08 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c8e1a5f7b20"
down_revision: str | None = "e7a3c5d1f920"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = {
    "local_prices_nonneg": "(general_price_yen IS NULL OR general_price_yen >= 0)"
    " AND (local_value_added_yen IS NULL OR local_value_added_yen >= 0)"
    " AND (lodging_price_yen IS NULL OR lodging_price_yen > 0)",
    "processed_kind_allowed": "processed_kind IS NULL"
    " OR processed_kind IN ('aged_meat', 'polished_rice')",
}


def upgrade() -> None:
    with op.batch_alter_table("tiers") as batch:
        batch.add_column(sa.Column("general_price_yen", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("local_value_added_yen", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("lodging_price_yen", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("processed_kind", sa.String(length=13), nullable=True))
        batch.add_column(
            sa.Column(
                "same_prefecture", sa.Boolean(), nullable=False, server_default=sa.text("false")
            )
        )
        for name, condition in CHECKS.items():
            batch.create_check_constraint(op.f(f"ck_tiers_{name}"), condition)


def downgrade() -> None:
    with op.batch_alter_table("tiers") as batch:
        for name in CHECKS:
            batch.drop_constraint(op.f(f"ck_tiers_{name}"), type_="check")
        for column in (
            "same_prefecture",
            "processed_kind",
            "lodging_price_yen",
            "local_value_added_yen",
            "general_price_yen",
        ):
            batch.drop_column(column)
