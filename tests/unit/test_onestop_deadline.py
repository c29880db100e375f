"""The one-stop deadlines: Jan 10 moved to the next working day, notifications by Jan 31."""

from __future__ import annotations

from datetime import date

import pytest

from furusato.domain.onestop import (
    application_deadline,
    is_on_time,
    is_working_day,
    notification_deadline,
    retention_ends,
)


def test_weekday_january_tenth_stays() -> None:
    """2025-01-10 is a Friday: the deadline for tax year 2024 is that day."""
    assert application_deadline(2024) == date(2025, 1, 10)


def test_sunday_then_coming_of_age_day_moves_to_tuesday() -> None:
    """2027-01-10 is a Sunday and Jan 11 is 成人の日, so tax year 2026 ends on Jan 12."""
    assert date(2027, 1, 10).weekday() == 6
    assert not is_working_day(date(2027, 1, 11))
    assert application_deadline(2026) == date(2027, 1, 12)


def test_saturday_sunday_holiday_run() -> None:
    """2026-01-10 is a Saturday, Jan 12 成人の日: tax year 2025 ends on Tuesday Jan 13."""
    assert application_deadline(2025) == date(2026, 1, 13)


@pytest.mark.parametrize(
    ("tax_year", "deadline"),
    [(2020, date(2021, 1, 12)), (2022, date(2023, 1, 10)), (2027, date(2028, 1, 11))],
)
def test_deadline_table(tax_year: int, deadline: date) -> None:
    """Known years: 2021 (Sunday, then 成人の日), 2023 (Tuesday), 2028 (Jan 10 is 成人の日)."""
    assert application_deadline(tax_year) == deadline


def test_on_time_is_inclusive_of_the_deadline() -> None:
    """A form arriving on the moved deadline counts; the next day is late."""
    assert is_on_time(2026, date(2027, 1, 12))
    assert not is_on_time(2026, date(2027, 1, 13))


def test_notification_deadline_is_january_31() -> None:
    """Notifications to residence municipalities are due by Jan 31 of the following year."""
    assert notification_deadline(2026) == date(2027, 1, 31)


def test_retention_end_handles_leap_day() -> None:
    """A number received on Feb 29 is erased on Feb 28 seven years on."""
    assert retention_ends(date(2028, 2, 29), 7) == date(2035, 2, 28)
    assert retention_ends(date(2027, 1, 8), 7) == date(2034, 1, 8)
