"""Deadlines of the one-stop exception (ワンストップ特例).

The signed application (and any change of name or address) must reach the city by January 10
of the year after the tax year; when that day is a Saturday, Sunday or national holiday the
deadline moves to the next working day (地方自治法第4条の2第4項). The city must then send the
notifications (申告特例通知書) to the donors' residence municipalities by January 31.
"""

from __future__ import annotations

from datetime import date, timedelta

import jpholiday


def is_working_day(day: date) -> bool:
    """Not a weekend, not a national holiday, not the year-end closure (Dec 29 – Jan 3)."""
    if day.weekday() >= 5 or jpholiday.is_holiday(day):
        return False
    return not ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3))


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def application_deadline(tax_year: int) -> date:
    """The last day a form for donations paid in `tax_year` may arrive."""
    return next_working_day(date(tax_year + 1, 1, 10))


def notification_deadline(tax_year: int) -> date:
    """The day by which the city's notifications must reach the residence municipalities."""
    return date(tax_year + 1, 1, 31)


def is_on_time(tax_year: int, received_on: date) -> bool:
    return received_on <= application_deadline(tax_year)


def retention_ends(received_on: date, years: int) -> date:
    """The day a received My Number becomes due for erasure (Feb 29 falls back to Feb 28)."""
    try:
        return received_on.replace(year=received_on.year + years)
    except ValueError:
        return received_on.replace(year=received_on.year + years, day=28)
