"""The login lockout: how many wrong passwords an account takes before its login is closed.

One count per account, whichever door the guesses come through (the web login form, the API's
POST /tokens): ten wrong passwords within fifteen minutes close the account's login for fifteen
minutes; during that time even the right password is refused. A successful login clears the
count. The account is named by its normalised email address whether or not an account has it,
so an address without an account is counted and closed the same way, and the answers tell no
one which addresses are registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from furusato.domain.messages import N_

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


@dataclass(frozen=True)
class Count:
    """The wrong passwords counted since `window_started_at`, and the lock, if any."""

    failures: int
    window_started_at: datetime
    locked_until: datetime | None = None


def is_locked(count: Count | None, now: datetime) -> bool:
    return count is not None and count.locked_until is not None and now < count.locked_until


def after_failure(count: Count | None, now: datetime) -> Count:
    """The count after one more wrong password at `now`. A lock in force stays as it is (a
    failure that raced the one that locked does not reopen it); a window that has run out, or a
    lock that has, starts a new count."""
    if is_locked(count, now):
        assert count is not None
        return count
    if count is None or now >= count.window_started_at + WINDOW or _lock_ended(count, now):
        failures = 1
        started = now
    else:
        failures = count.failures + 1
        started = count.window_started_at
    if failures >= MAX_FAILURES:
        return Count(failures=0, window_started_at=now, locked_until=now + LOCK)
    return Count(failures=failures, window_started_at=started)


def _lock_ended(count: Count, now: datetime) -> bool:
    return count.locked_until is not None and now >= count.locked_until


def locked_message(count: Count, now: datetime) -> str:
    """What both doors answer while the account is locked (Japanese; pages translate it)."""
    assert count.locked_until is not None
    minutes = max(1, ceil((count.locked_until - now).total_seconds() / 60))
    return N_(
        "ログインに続けて失敗したため、このアカウントへのログインを一時的に止めています。"
        "%(minutes)s分ほどおいてから、もう一度お試しください。",
        minutes=minutes,
    )
