"""follows, reminder_sends and the donor's reminder settings on users

Revision ID: 7a1f3c9d2b64
Revises: 7b3e5a1c9d42
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import furusato.models.base

revision: str = "7a1f3c9d2b64"
down_revision: str | None = "7b3e5a1c9d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("remind_year_end", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("remind_followed", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("estimate_salary_yen", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("estimate_family", sa.String(length=40), nullable=False, server_default="")
        )
        batch.create_check_constraint(
            op.f("ck_users_estimate_salary_nonneg"),
            "estimate_salary_yen IS NULL OR estimate_salary_yen >= 0",
        )
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("created_at", furusato.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_follows_user_id_users")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_follows_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
        sa.UniqueConstraint("user_id", "project_id", name="uq_follows_user_project"),
    )
    op.create_index(op.f("ix_follows_project_id"), "follows", ["project_id"])
    op.create_table(
        "reminder_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject_key", sa.String(length=60), nullable=False),
        sa.Column("created_at", furusato.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('year_end', 'ending', 'target')", name=op.f("ck_reminder_sends_kind_allowed")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reminder_sends_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sends")),
        sa.UniqueConstraint("user_id", "kind", "subject_key", name="uq_reminder_sends_once"),
    )


def downgrade() -> None:
    op.drop_table("reminder_sends")
    op.drop_index(op.f("ix_follows_project_id"), table_name="follows")
    op.drop_table("follows")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_estimate_salary_nonneg"), type_="check")
        batch.drop_column("estimate_family")
        batch.drop_column("estimate_salary_yen")
        batch.drop_column("remind_followed")
        batch.drop_column("remind_year_end")
