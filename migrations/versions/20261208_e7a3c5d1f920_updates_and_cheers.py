"""活動報告 (campaign updates, the final report's accounts and pictures), donors who asked for
no more updates of a campaign, and 応援メッセージ (donors' messages)

Revision ID: e7a3c5d1f920
Revises: 9b2e4c6d1f73
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import furusato.models.base

revision: str = "e7a3c5d1f920"
down_revision: str | None = "9b2e4c6d1f73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FINAL = sa.text("is_final AND status = 'published'")


def _moment(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, furusato.models.base.UTCDateTime(timezone=True), nullable=nullable)


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"))


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "campaign_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("is_final", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=9), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        _moment("published_at", False),
        sa.Column("held_by_id", sa.Integer(), nullable=True),
        _moment("held_at", True),
        sa.Column("hold_reason", sa.Text(), nullable=False),
        _moment("mailed_at", True),
        sa.Column("mailed_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('published', 'held')", name=op.f("ck_campaign_updates_status_allowed")
        ),
        _user_fk("campaign_updates", "author_id"),
        _user_fk("campaign_updates", "held_by_id"),
        _fk("campaign_updates", "project_id", "projects"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_updates")),
    )
    op.create_index(
        op.f("ix_campaign_updates_project_id"), "campaign_updates", ["project_id"], unique=False
    )
    op.create_index(
        "uq_campaign_updates_one_final",
        "campaign_updates",
        ["project_id"],
        unique=True,
        postgresql_where=FINAL,
        sqlite_where=FINAL,
    )
    op.create_table(
        "update_account_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("amount_yen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_yen > 0", name=op.f("ck_update_account_lines_amount_positive")),
        _fk("update_account_lines", "update_id", "campaign_updates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_update_account_lines")),
        sa.UniqueConstraint("update_id", "position", name="uq_update_account_line_position"),
    )
    op.create_index(
        op.f("ix_update_account_lines_update_id"),
        "update_account_lines",
        ["update_id"],
        unique=False,
    )
    op.create_table(
        "update_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("large", sa.LargeBinary(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("alt_text", sa.String(length=200), nullable=False),
        _moment("created_at", False),
        _fk("update_images", "update_id", "campaign_updates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_update_images")),
    )
    op.create_index(
        op.f("ix_update_images_update_id"), "update_images", ["update_id"], unique=False
    )
    op.create_table(
        "update_unsubscribes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        _moment("created_at", False),
        _fk("update_unsubscribes", "project_id", "projects"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_update_unsubscribes")),
        sa.UniqueConstraint("project_id", "email", name="uq_update_unsubscribe"),
    )
    op.create_table(
        "cheer_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("donation_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("display_name", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        _moment("created_at", False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        _moment("decided_at", True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_by_id", sa.Integer(), nullable=True),
        _moment("replied_at", True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'hidden')",
            name=op.f("ck_cheer_messages_status_allowed"),
        ),
        _user_fk("cheer_messages", "decided_by_id"),
        _fk("cheer_messages", "donation_id", "donations"),
        _fk("cheer_messages", "project_id", "projects"),
        _user_fk("cheer_messages", "replied_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cheer_messages")),
        sa.UniqueConstraint("donation_id", name=op.f("uq_cheer_messages_donation_id")),
    )
    op.create_index(
        op.f("ix_cheer_messages_project_id"), "cheer_messages", ["project_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_cheer_messages_project_id"), table_name="cheer_messages")
    op.drop_table("cheer_messages")
    op.drop_table("update_unsubscribes")
    op.drop_index(op.f("ix_update_images_update_id"), table_name="update_images")
    op.drop_table("update_images")
    op.drop_index(op.f("ix_update_account_lines_update_id"), table_name="update_account_lines")
    op.drop_table("update_account_lines")
    op.drop_index(
        "uq_campaign_updates_one_final",
        table_name="campaign_updates",
        postgresql_where=FINAL,
        sqlite_where=FINAL,
    )
    op.drop_index(op.f("ix_campaign_updates_project_id"), table_name="campaign_updates")
    op.drop_table("campaign_updates")
