"""outbound mail rendered at send time: message_ref

Revision ID: 5d1c0e7a9b42
Revises: a826448401f0
Create Date: 2026-11-27 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1c0e7a9b42"
down_revision: str | None = "a826448401f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_emails") as batch:
        batch.add_column(
            sa.Column("message_ref", sa.String(length=60), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_emails") as batch:
        batch.drop_column("message_ref")
