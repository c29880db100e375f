"""Bank business days (銀行営業日): the days a transfer file may name as its transfer date.

Banks are closed on Saturdays, Sundays, national holidays (国民の祝日、振替休日、国民の休日:
jpholiday) and from December 31 to January 3 (銀行法施行令第5条).
"""

from __future__ import annotations

from datetime import date, timedelta

import jpholiday

YEAR_END_CLOSURE = ((12, 31), (1, 1), (1, 2), (1, 3))


def is_business_day(day: date) -> bool:
    if day.weekday() >= 5 or (day.month, day.day) in YEAR_END_CLOSURE:
        return False
    return not jpholiday.is_holiday(day)


def next_business_day(after: date) -> date:
    """The first bank business day after `after` (the default transfer date: banks want the
    file at least a day before)."""
    day = after + timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def first_business_day_from(day: date) -> date:
    """`day` if banks are open then, otherwise the next day they are."""
    return day if is_business_day(day) else next_business_day(day)
