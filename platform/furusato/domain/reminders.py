"""The reminders a donor may ask for, and when each is due (issue 17: mails that save money).

- **Year-end summary** (`year_end`): in the last days of December (JST), what the donor gave this
  tax year through the platform against their estimated deduction cap, while there is still time
  to give and pay before midnight on December 31 (the tax year is the JST date the payment
  completed: domain/money.py). Asked for on the reminder settings: off until the donor turns it on.
- **A followed campaign about to end** (`ending`): within ENDING_WITHIN of its deadline, while it
  still takes donations. **A followed campaign that reached its target** (`target`). Following a
  campaign is itself the ask; the donor may turn both off.

Each reminder is sent once per donor and subject (`subject_key`): the year, or the campaign.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from furusato.domain.money import JST, to_jst


class ReminderKind(StrEnum):
    YEAR_END = "year_end"
    ENDING = "ending"
    TARGET = "target"


# The year-end summary goes out from this day of December (JST)…
YEAR_END_FIRST_DAY = 20
# …and not after this hour of December 31 (JST): a mail arriving later leaves too little time to
# choose, give and pay before midnight, in the hour the payment systems are busiest.
YEAR_END_LAST_HOUR = 21
ENDING_WITHIN = timedelta(hours=48)
# A target reached longer ago than this is no news: a sweep that was down, or a donor who
# turns the reminders on again, does not mail about it.
TARGET_NEWS_FOR = timedelta(days=3)


def year_end_window(year: int) -> tuple[datetime, datetime]:
    """When the year-end summary of `year` may go out: [from, until) as aware datetimes."""
    start = datetime(year, 12, YEAR_END_FIRST_DAY, tzinfo=JST)
    end = datetime(year, 12, 31, YEAR_END_LAST_HOUR, tzinfo=JST)
    return start, end


def year_end_due(now: datetime) -> int | None:
    """The tax year whose summary is due at `now`, or None outside the window."""
    year = to_jst(now).year
    start, end = year_end_window(year)
    return year if start <= now < end else None


def ending_soon(deadline: datetime | None, now: datetime) -> bool:
    """The campaign's deadline falls within ENDING_WITHIN from now (and has not passed)."""
    return deadline is not None and now < deadline <= now + ENDING_WITHIN


def target_is_news(reached_at: datetime | None, now: datetime) -> bool:
    return reached_at is not None and now - TARGET_NEWS_FOR <= reached_at <= now


def year_key(year: int) -> str:
    return str(year)


def project_key(project_id: int) -> str:
    return f"project:{project_id}"


def room_below_cap(given_yen: int, cap_yen: int) -> int:
    """What the donor may still give this year before reaching the estimated cap."""
    return max(cap_yen - given_yen, 0)
