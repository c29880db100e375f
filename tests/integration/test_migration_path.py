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


def test_payouts_past_draft_keep_their_business_account_through_the_upgrade(
    tmp_path: Path,
) -> None:
    """A prepared payout from before the account copy gets its business's account (what its
    transfer would have paid), a draft gets none; downgrading drops the copy, keeps the rows."""
    engine = create_engine(f"sqlite:///{tmp_path / 'city.db'}")
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "5d1c0e7a9b42")
        connection.execute(
            text(
                "INSERT INTO businesses (id, name, representative, address, phone, bank_code,"
                " bank_name_kana, branch_code, branch_name_kana, account_type, account_number,"
                " account_holder_kana, created_at) VALUES (1, '泉州商店', '佐野', '泉佐野市',"
                " '072', '0179', 'ｲｽﾞﾐｻﾉｼﾝｷﾝ', '001', 'ﾎﾝﾃﾝ', '1', '1234567', 'ｶ)ｾﾝｼｭｳ',"
                " '2026-11-27 10:00:00+00:00')"
            )
        )
        for payout_id, status in ((1, "prepared"), (2, "draft")):
            connection.execute(
                text(
                    "INSERT INTO payouts (id, project_id, business_id, amount_yen, status,"
                    " note, created_at) VALUES (:id, :id, 1, 100000, :status, '',"
                    " '2026-11-27 10:00:00+00:00')"
                ),
                {"id": payout_id, "status": status},
            )
        command.upgrade(cfg, "42ad150981a6")
        rows = connection.execute(
            text(
                "SELECT id, bank_code, account_number, account_holder_kana FROM payouts ORDER BY id"
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            (1, "0179", "1234567", "ｶ)ｾﾝｼｭｳ"),
            (2, None, None, None),
        ]
        command.downgrade(cfg, "5d1c0e7a9b42")
        assert "account_number" not in _columns(connection, "payouts")
        assert connection.execute(text("SELECT count(*) FROM payouts")).scalar() == 2
    engine.dispose()
