"""When each reminder is due (domain/reminders.py), at the edges of its window in JST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from furusato.domain import reminders
from furusato.domain.money import JST


def test_the_year_end_window_is_december_20_to_december_31_21_00_jst() -> None:
    """Due from Dec 20 00:00 JST (Dec 19 15:00 UTC) until just before Dec 31 21:00 JST."""
    assert reminders.year_end_due(datetime(2026, 12, 19, 14, 59, 59, tzinfo=UTC)) is None
    assert reminders.year_end_due(datetime(2026, 12, 19, 15, 0, tzinfo=UTC)) == 2026
    assert reminders.year_end_due(datetime(2026, 12, 31, 20, 59, tzinfo=JST)) == 2026
    assert reminders.year_end_due(datetime(2026, 12, 31, 21, 0, tzinfo=JST)) is None
    assert reminders.year_end_due(datetime(2027, 1, 1, 0, 0, tzinfo=JST)) is None
    assert reminders.year_end_due(datetime(2026, 7, 1, tzinfo=JST)) is None


def test_ending_soon_is_the_48_hours_before_the_deadline() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert reminders.ending_soon(now + timedelta(hours=48), now)
    assert not reminders.ending_soon(now + timedelta(hours=48, seconds=1), now)
    assert not reminders.ending_soon(now, now)  # past: no "about to end" mail
    assert not reminders.ending_soon(None, now)


def test_a_target_is_news_for_three_days() -> None:
    now = datetime(2026, 12, 10, tzinfo=UTC)
    assert reminders.target_is_news(now - timedelta(days=3), now)
    assert not reminders.target_is_news(now - timedelta(days=3, seconds=1), now)
    assert not reminders.target_is_news(None, now)
    assert reminders.room_below_cap(45_000, 61_000) == 16_000
    assert reminders.room_below_cap(70_000, 61_000) == 0
