"""Bank business days: the transfer date of a Zengin file."""

from __future__ import annotations

from datetime import date

import pytest

from furusato.domain.bank_days import first_business_day_from, is_business_day, next_business_day


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(2027, 4, 5), True),  # a Monday
        (date(2027, 4, 3), False),  # a Saturday
        (date(2027, 4, 4), False),  # a Sunday
        (date(2027, 4, 29), False),  # 昭和の日
        (date(2027, 5, 3), False),  # 憲法記念日
        (date(2026, 12, 30), True),  # banks work on December 30
        (date(2026, 12, 31), False),  # the year-end closure: December 31 to January 3
        (date(2027, 1, 4), True),
        (date(2027, 1, 11), False),  # 成人の日
    ],
)
def test_weekends_holidays_and_the_year_end_are_closed(day: date, open_: bool) -> None:
    """Saturdays, Sundays, national holidays and Dec 31–Jan 3 are no bank business days."""
    assert is_business_day(day) is open_


def test_the_next_business_day_skips_closed_days() -> None:
    """After Dec 30 comes Jan 4; after a Friday, the Monday; a business day is its own first."""
    assert next_business_day(date(2026, 12, 30)) == date(2027, 1, 4)
    assert next_business_day(date(2027, 4, 2)) == date(2027, 4, 5)
    assert next_business_day(date(2027, 4, 28)) == date(2027, 4, 30)
    assert first_business_day_from(date(2027, 4, 5)) == date(2027, 4, 5)
    assert first_business_day_from(date(2027, 5, 1)) == date(2027, 5, 6)
