"""gifts as people want them (定期便, another recipient, 贈答包装・のし, delivery windows) and
a funded campaign's next goal

Revision ID: c4f2a9e17d30
Revises: b7e3f19c2d45
Create Date: 2026-12-07 12:00:00

- tiers.delivery_months: a 定期便's months (empty for one delivery, as every existing tier);
- businesses: the carrier, delivery windows, 贈答包装 and のし they offer (none until set);
- donations: the recipient and the gift's options as the donor chose them (none before);
- shipments: one row per delivery (delivery_number of delivery_count; existing rows are the
  first and only delivery of their donation), with the recipient's sender, wrapping, のし and
  window; one donation may now have several shipments, one per delivery number;
- next_goals: the proposals and their decisions.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import furusato.models.base

revision: str = "c4f2a9e17d30"
down_revision: str | None = "b7e3f19c2d45"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FALSE = sa.text("false")


def _text(name: str, length: int) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), nullable=False, server_default="")


def _flag(name: str) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean(), nullable=False, server_default=FALSE)


def upgrade() -> None:
    with op.batch_alter_table("tiers") as batch:
        batch.add_column(
            sa.Column(
                "delivery_months",
                furusato.models.base.MonthList(),
                nullable=False,
                server_default="[]",
            )
        )
    with op.batch_alter_table("businesses") as batch:
        batch.add_column(_text("gift_carrier", 10))
        batch.add_column(
            sa.Column("delivery_windows", sa.JSON(), nullable=False, server_default="[]")
        )
        batch.add_column(_flag("offers_gift_wrapping"))
        batch.add_column(_flag("offers_noshi"))
    with op.batch_alter_table("donations") as batch:
        batch.add_column(_text("recipient_name", 100))
        batch.add_column(_text("recipient_postal_code", 8))
        batch.add_column(_text("recipient_address", 300))
        batch.add_column(_text("recipient_phone", 30))
        batch.add_column(_flag("gift_wrapping"))
        batch.add_column(_text("noshi", 10))
        batch.add_column(_text("noshi_name", 20))
        batch.add_column(_text("delivery_window", 8))
    with op.batch_alter_table("shipments") as batch:
        batch.add_column(
            sa.Column("delivery_number", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(
            sa.Column("delivery_count", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(_text("gift_from", 100))
        batch.add_column(_flag("gift_wrapping"))
        batch.add_column(_text("noshi", 10))
        batch.add_column(_text("noshi_name", 20))
        batch.add_column(_text("delivery_window", 8))
        batch.drop_constraint("uq_shipments_donation_id", type_="unique")
        batch.create_unique_constraint(
            "uq_shipments_donation_delivery", ["donation_id", "delivery_number"]
        )
        batch.create_check_constraint(
            op.f("ck_shipments_delivery_number"),
            "delivery_number >= 1 AND delivery_number <= delivery_count",
        )
    op.create_table(
        "next_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("amount_yen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("new_tiers", sa.JSON(), nullable=False),
        sa.Column("added_tier_ids", sa.JSON(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", furusato.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", furusato.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.CheckConstraint("amount_yen > 0", name=op.f("ck_next_goals_amount_positive")),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'rejected')",
            name=op.f("ck_next_goals_status_allowed"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_next_goals_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_next_goals_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_next_goals_proposed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_next_goals")),
    )
    op.create_index(op.f("ix_next_goals_project_id"), "next_goals", ["project_id"], unique=False)
    for state in ("proposed", "approved"):
        op.create_index(
            f"uq_next_goals_one_{state}",
            "next_goals",
            ["project_id"],
            unique=True,
            postgresql_where=sa.text(f"status = '{state}'"),
            sqlite_where=sa.text(f"status = '{state}'"),
        )


def downgrade() -> None:
    for state in ("approved", "proposed"):
        op.drop_index(
            f"uq_next_goals_one_{state}",
            table_name="next_goals",
            postgresql_where=sa.text(f"status = '{state}'"),
            sqlite_where=sa.text(f"status = '{state}'"),
        )
    op.drop_index(op.f("ix_next_goals_project_id"), table_name="next_goals")
    op.drop_table("next_goals")
    # A 定期便's later deliveries have no place in the old schema (one shipment per donation).
    op.execute("DELETE FROM shipments WHERE delivery_number > 1")
    with op.batch_alter_table("shipments") as batch:
        batch.drop_constraint(op.f("ck_shipments_delivery_number"), type_="check")
        batch.drop_constraint("uq_shipments_donation_delivery", type_="unique")
        batch.create_unique_constraint(op.f("uq_shipments_donation_id"), ["donation_id"])
        for name in (
            "delivery_window",
            "noshi_name",
            "noshi",
            "gift_wrapping",
            "gift_from",
            "delivery_count",
            "delivery_number",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("donations") as batch:
        for name in (
            "delivery_window",
            "noshi_name",
            "noshi",
            "gift_wrapping",
            "recipient_phone",
            "recipient_address",
            "recipient_postal_code",
            "recipient_name",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("businesses") as batch:
        for name in ("offers_noshi", "offers_gift_wrapping", "delivery_windows", "gift_carrier"):
            batch.drop_column(name)
    with op.batch_alter_table("tiers") as batch:
        batch.drop_column("delivery_months")
