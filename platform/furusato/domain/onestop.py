"""Deadlines of the one-stop exception (ワンストップ特例).

The application (様式第55号の5, 地方税法附則第7条第2項・第9項) and any change of name or address
(変更届出書, 同条第3項・第10項) must reach the city by January 10 of the year after the tax year.
A deadline for submitting a document that falls on a Sunday, a national holiday or another
general holiday (一般の休日: January 1–3 included), a Saturday or December 29–31 moves to the
following day (地方税法第20条の5第2項, 地方税法施行令第6条の18第2項), repeatedly, so to the next
working day. The city then sends the notifications (申告特例通知書, 地方税法附則第7条第4項・
第11項) to the donors' residence municipalities by January 31.

`application_deadline` is the one date every page, mail and PDF shows.
"""

from __future__ import annotations

from datetime import date, timedelta

import jpholiday


def is_working_day(day: date) -> bool:
    """Not a Saturday or Sunday, not a national holiday (jpholiday: 振替休日 and 国民の休日
    included), not December 29 – January 3."""
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
