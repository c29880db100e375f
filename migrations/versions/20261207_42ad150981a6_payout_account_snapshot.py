"""payouts keep the bank account the preparer checked (the transfer file reads only these)

Revision ID: 42ad150981a6
Revises: de1dd6cfe4fa
Create Date: 2026-12-07 09:00:00

Payouts already past draft take their business's account as it is at the upgrade: that is the
account the transfer file would have been made from until now.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import furusato.models.base

revision: str = "42ad150981a6"
down_revision: str | None = "de1dd6cfe4fa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACCOUNT = (
    ("bank_code", 4),
    ("bank_name_kana", 15),
    ("branch_code", 3),
    ("branch_name_kana", 15),
    ("account_type", 1),
    ("account_number", 7),
    ("account_holder_kana", 30),
)
SNAPSHOT_CHECK = (
    "status = 'draft' OR (bank_code IS NOT NULL AND branch_code IS NOT NULL"
    " AND account_type IS NOT NULL AND account_number IS NOT NULL"
    " AND account_holder_kana IS NOT NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("payouts") as batch:
        for name, length in ACCOUNT:
            batch.add_column(sa.Column(name, sa.String(length=length), nullable=True))
        batch.add_column(
            sa.Column(
                "returned_to_draft_at",
                furusato.models.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    # The column names are this file's constants, not input.
    copied = ", ".join(
        f"{name} = (SELECT b.{name} FROM businesses b WHERE b.id = payouts.business_id)"  # noqa: S608
        for name, _ in ACCOUNT
    )
    op.execute(f"UPDATE payouts SET {copied} WHERE status <> 'draft'")  # noqa: S608
    with op.batch_alter_table("payouts") as batch:
        batch.create_check_constraint(op.f("ck_payouts_account_snapshot"), SNAPSHOT_CHECK)


def downgrade() -> None:
    with op.batch_alter_table("payouts") as batch:
        batch.drop_constraint(op.f("ck_payouts_account_snapshot"), type_="check")
        batch.drop_column("returned_to_draft_at")
        for name, _ in reversed(ACCOUNT):
            batch.drop_column(name)
