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


def test_tiers_of_renumbered_items_keep_their_code_and_are_flagged_for_review(
    tmp_path: Path,
) -> None:
    """Tiers stored with 5, 7 or 8 before the notice's numbering keep the code and get a note
    naming what it meant; other codes get none; the later facts start empty; downgrading keeps
    every row and its code."""
    engine = create_engine(f"sqlite:///{tmp_path / 'city.db'}")
    cfg = alembic_config()
    stamp = "'2026-12-01 10:00:00+00:00'"
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "7e3a51c2d9b4")
        connection.execute(
            text(
                "INSERT INTO businesses (id, name, representative, address, phone, bank_code,"
                " bank_name_kana, branch_code, branch_name_kana, account_type, account_number,"
                " account_holder_kana, created_at) VALUES (1, '泉州商店', '佐野', '泉佐野市',"
                " '072', '0179', 'ｲｽﾞﾐｻﾉｼﾝｷﾝ', '001', 'ﾎﾝﾃﾝ', '1', '1234567', 'ｶ)ｾﾝｼｭｳ',"
                f" {stamp})"
            )
        )
        connection.execute(
            text(
                "INSERT INTO projects (id, business_id, title, summary, story_markdown, story_html,"
                " category, eligible_cost_yen, subsidy_rate_percent, target_yen, cap_yen,"
                " miss_policy, fallback_purpose, fallback_gift_note, status, rejection_reason,"
                " paused_reason, paid_total_yen, paid_count, reserved_total_yen, created_at,"
                " updated_at) VALUES (1, 1, 'タオル', '', '', '', '', 1000000, 40, 1250000,"
                f" 2500000, 'refund', '', '', 'draft', '', '', 0, 0, 0, {stamp}, {stamp})"
            )
        )
        for tier_id, code in enumerate((3, 5, 7, 8, None), start=1):
            connection.execute(
                text(
                    "INSERT INTO tiers (id, project_id, position, amount_yen, gift_name,"
                    " gift_description, procurement_cost_yen, shipping_cost_yen, reserved_count,"
                    " local_category, local_evidence) VALUES (:id, 1, :id, 10000, 'タオル', '',"
                    " 3000, 800, 0, :code, '市内で製造')"
                ),
                {"id": tier_id, "code": code},
            )
        command.upgrade(cfg, "head")
        rows = connection.execute(
            text(
                "SELECT local_category, local_subitem, local_review_note, general_price_yen,"
                " local_value_added_yen, lodging_price_yen, processed_kind, same_prefecture"
                " FROM tiers ORDER BY id"
            )
        ).all()
        assert [row[0] for row in rows] == [3, 5, 7, 8, None]  # codes kept, never relabelled
        notes = [row[2] for row in rows]
        assert notes[0] is None and notes[4] is None
        assert "登録時の5号" in notes[1] and "現在の7号" in notes[1]
        assert "登録時の7号" in notes[2] and "現在の8号イ" in notes[2]
        assert "登録時の8号" in notes[3] and "現在の8号ロ" in notes[3]
        assert all(row[1] is None and row[3:7] == (None,) * 4 and not row[7] for row in rows)
        command.downgrade(cfg, "7e3a51c2d9b4")
        assert "local_review_note" not in _columns(connection, "tiers")
        assert "general_price_yen" not in _columns(connection, "tiers")
        kept = connection.execute(text("SELECT local_category FROM tiers ORDER BY id")).scalars()
        assert list(kept) == [3, 5, 7, 8, None]
    engine.dispose()
