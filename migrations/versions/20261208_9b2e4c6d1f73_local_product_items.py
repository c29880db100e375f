"""地場産品基準 as 告示第5条 numbers it today: 8号's kind (イ/ロ/ハ) and a review note for tiers
whose code meant another item before

Codes 5, 7 and 8 used to mean the service (now 7号), the neighbouring towns' shared gift (now
8号イ) and the prefecture's shared gift (now 8号ロ). Those tiers keep their stored code and get a
note saying what it meant, so staff choose the item again; nothing is relabelled silently.

Revision ID: 9b2e4c6d1f73
Revises: 7e3a51c2d9b4
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b2e4c6d1f73"
down_revision: str | None = "7e3a51c2d9b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The note names the former meaning in the notice's terms; the words are frozen here, as a
# migration must not follow later edits of the domain's labels.
FORMER = {
    5: "区域内で提供される役務（現在の7号）",
    7: "近隣の市区町村と共同で定めた共通返礼品（現在の8号イ）",
    8: "都道府県が区域内の市区町村と連携して定めた共通返礼品（現在の8号ロ）",
}
NOTE = (
    "告示第5条の号の番号に合わせて区分を改めました。登録時の{code}号は「{former}」の意味でした。"
    "現在の{code}号とは内容が異なるため、該当する号を確認し直してください。"
)


def upgrade() -> None:
    with op.batch_alter_table("tiers") as batch:
        batch.add_column(sa.Column("local_subitem", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("local_review_note", sa.Text(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_tiers_local_subitem_of_item_8"),
            "local_subitem IS NULL OR (local_category = 8 AND local_subitem IN ('i', 'ro', 'ha'))",
        )
    tiers = sa.table(
        "tiers",
        sa.column("local_category", sa.Integer),
        sa.column("local_review_note", sa.Text),
    )
    for code, former in FORMER.items():
        op.execute(
            tiers.update()
            .where(tiers.c.local_category == code)
            .values(local_review_note=NOTE.format(code=code, former=former))
        )


def downgrade() -> None:
    with op.batch_alter_table("tiers") as batch:
        batch.drop_constraint(op.f("ck_tiers_local_subitem_of_item_8"), type_="check")
        batch.drop_column("local_review_note")
        batch.drop_column("local_subitem")
