"""The login lockout's rule: ten wrong passwords within the window lock the account for a while."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from furusato.domain import login_lockout as rule

T0 = datetime(2026, 12, 31, 14, 0, tzinfo=UTC)


def _after(n: int, start: datetime = T0, step: timedelta = timedelta(seconds=10)) -> rule.Count:
    count = None
    for i in range(n):
        count = rule.after_failure(count, start + i * step)
    assert count is not None
    return count


def test_the_tenth_failure_within_the_window_locks_for_the_lock_time() -> None:
    """Nine failures count; the tenth locks until fifteen minutes after it."""
    nine = _after(rule.MAX_FAILURES - 1)
    assert nine.failures == 9 and not rule.is_locked(nine, T0 + timedelta(minutes=2))
    ten = _after(rule.MAX_FAILURES)
    last = T0 + 9 * timedelta(seconds=10)
    assert ten.locked_until == last + rule.LOCK
    assert rule.is_locked(ten, last + rule.LOCK - timedelta(seconds=1))
    assert not rule.is_locked(ten, last + rule.LOCK)


def test_failures_spread_beyond_the_window_start_a_new_count() -> None:
    """Failures two minutes apart: the window runs out before ten are counted."""
    count = _after(rule.MAX_FAILURES * 3, step=timedelta(minutes=2))
    assert count.locked_until is None and count.failures < rule.MAX_FAILURES


def test_a_failure_during_the_lock_neither_reopens_nor_extends_it() -> None:
    """A wrong password that raced the locking one leaves the lock as it was; after the lock
    a failure starts counting from one."""
    locked = _after(rule.MAX_FAILURES)
    assert locked.locked_until is not None
    assert rule.after_failure(locked, locked.locked_until - timedelta(minutes=1)) == locked
    after = rule.after_failure(locked, locked.locked_until)
    assert (after.failures, after.locked_until) == (1, None)


def test_the_message_names_the_minutes_left() -> None:
    """The refusal says how long to wait, rounded up to whole minutes."""
    locked = _after(rule.MAX_FAILURES)
    assert locked.locked_until is not None
    message = rule.locked_message(locked, locked.locked_until - timedelta(seconds=61))
    assert "2分ほど" in message
