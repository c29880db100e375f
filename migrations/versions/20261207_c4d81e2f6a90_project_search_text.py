"""projects.search_text: title, summary and story folded for kana-insensitive search

Revision ID: c4d81e2f6a90
Revises: c4f2a9e17d30
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import jaconv
import sqlalchemy as sa
from alembic import op

revision: str = "c4d81e2f6a90"
down_revision: str | None = "c4f2a9e17d30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fold(text: str) -> str:
    # domain/search.py's fold as of this revision (a migration keeps its own copy).
    return jaconv.hira2kata(unicodedata.normalize("NFKC", text or "")).casefold()


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    conn = op.get_bind()
    projects = sa.table(
        "projects",
        sa.column("id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("summary", sa.String),
        sa.column("story_markdown", sa.Text),
        sa.column("search_text", sa.Text),
    )
    rows = conn.execute(
        sa.select(projects.c.id, projects.c.title, projects.c.summary, projects.c.story_markdown)
    ).all()
    for row in rows:
        text = _fold("\n".join((row.title or "", row.summary or "", row.story_markdown or "")))
        conn.execute(projects.update().where(projects.c.id == row.id).values(search_text=text))


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("search_text")
