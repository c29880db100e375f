"""one-stop from payment: notices with their sending dates, reminders once per donor, the
My Number officer permission, and the donor's reminder switch

Revision ID: 7b3e5a1c9d42
Revises: c4d81e2f6a90
Create Date: 2026-12-08 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import furusato.models.base

revision: str = "7b3e5a1c9d42"
down_revision: str | None = "c4d81e2f6a90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTICE_STATES = (
    "'due', 'sent', 'correction_due', 'corrected', 'cancellation_due', 'cancelled', 'withdrawn'"
)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("mynumber_officer", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("remind_onestop", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("onestop_applications") as batch:
        batch.add_column(sa.Column("notice_status", sa.String(20), nullable=True))
        batch.add_column(sa.Column("notice_sent_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("notice_last_sent_on", sa.Date(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_onestop_applications_notice_status_allowed"),
            f"notice_status IN ({NOTICE_STATES})",
        )
        batch.create_index("ix_onestop_applications_notice_status", ["notice_status"])
    # Accepted applications were notified through an export before: those exported count as
    # sent on the day of their export, the others are due.
    apps = sa.table(
        "onestop_applications",
        sa.column("status", sa.String),
        sa.column("notice_status", sa.String),
        sa.column("exported_at", sa.DateTime),
        sa.column("notice_sent_on", sa.Date),
        sa.column("notice_last_sent_on", sa.Date),
    )
    op.execute(
        apps.update()
        .where(apps.c.status == "accepted", apps.c.exported_at.is_not(None))
        .values(
            notice_status="sent",
            notice_sent_on=sa.cast(apps.c.exported_at, sa.Date),
            notice_last_sent_on=sa.cast(apps.c.exported_at, sa.Date),
        )
    )
    op.execute(
        apps.update()
        .where(apps.c.status == "accepted", apps.c.exported_at.is_(None))
        .values(notice_status="due")
    )
    op.create_table(
        "onestop_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("tax_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("application_ids", sa.JSON(), nullable=False),
        sa.Column("sent_at", furusato.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onestop_reminders")),
        sa.UniqueConstraint("email", "tax_year", "kind", name="uq_onestop_reminders_once"),
    )


def downgrade() -> None:
    op.drop_table("onestop_reminders")
    with op.batch_alter_table("onestop_applications") as batch:
        batch.drop_index("ix_onestop_applications_notice_status")
        batch.drop_constraint(op.f("ck_onestop_applications_notice_status_allowed"), type_="check")
        batch.drop_column("notice_last_sent_on")
        batch.drop_column("notice_sent_on")
        batch.drop_column("notice_status")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("remind_onestop")
        batch.drop_column("mynumber_officer")
