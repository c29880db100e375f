"""outbound mail retried with backoff: next_attempt_at

Revision ID: b7e3f19c2d45
Revises: 42ad150981a6
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from furusato.models.base import UTCDateTime

revision: str = "b7e3f19c2d45"
down_revision: str | None = "42ad150981a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_emails") as batch:
        batch.add_column(sa.Column("next_attempt_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound_emails") as batch:
        batch.drop_column("next_attempt_at")
