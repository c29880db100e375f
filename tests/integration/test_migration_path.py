"""Upgrading a database that holds data: every revision after the first, on the embedded
default's SQLite (the batch mode path) and back down again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from furusato.migrate import alembic_config

FIRST = "a826448401f0"


def _columns(connection, table: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {c["name"] for c in inspect(connection).get_columns(table)}


def test_mail_queued_before_message_ref_survives_the_upgrade_and_downgrade(
    tmp_path: Path,
) -> None:
    """A mail queued under the first schema keeps its text and gets an empty `message_ref`
    (it is sent as written); downgrading drops the column and keeps the row."""
    engine = create_engine(f"sqlite:///{tmp_path / 'city.db'}")
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, FIRST)
        connection.execute(
            text(
                "INSERT INTO outbound_emails (key, to_address, subject, body_text, attachment_ref,"
                " status, attempts, last_error, created_at) VALUES ('old:1', 'donor@example.jp',"
                " '件名', '本文', '', 'queued', 0, '', '2026-11-27 10:00:00+00:00')"
            )
        )
        command.upgrade(cfg, "head")
        assert "message_ref" in _columns(connection, "outbound_emails")
        row = connection.execute(
            text("SELECT subject, body_text, message_ref FROM outbound_emails WHERE key = 'old:1'")
        ).one()
        assert tuple(row) == ("件名", "本文", "")
        command.downgrade(cfg, FIRST)
        assert "message_ref" not in _columns(connection, "outbound_emails")
        assert connection.execute(text("SELECT count(*) FROM outbound_emails")).scalar() == 1
    engine.dispose()
