"""login lockout: wrong passwords per account, shared by the web login and the API

Revision ID: de1dd6cfe4fa
Revises: 5d1c0e7a9b42
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import furusato.models.base

revision: str = "de1dd6cfe4fa"
down_revision: str | None = "5d1c0e7a9b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column(
            "window_started_at", furusato.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("locked_until", furusato.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_login_failures_failures_not_negative")),
        sa.PrimaryKeyConstraint("account_key", name=op.f("pk_login_failures")),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
