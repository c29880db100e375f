"""Integer-yen rules: target, cap, subsidy and the JST tax year."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from furusato.domain.money import JST, basis_points, cap_yen, subsidy_yen, target_yen, tax_year


def test_target_and_cap_round_up() -> None:
    """target = ceil(cost × 0.5 / r), cap = ceil(cost / r), computed without floats."""
    assert target_yen(1_000_000, 40) == 1_250_000
    assert cap_yen(1_000_000, 40) == 2_500_000
    assert target_yen(1_000_001, 40) == 1_250_002  # 1,250,001.25 rounds up
    assert cap_yen(1_000_001, 30) == 3_333_337  # 3,333,336.67 rounds up


def test_subsidy_is_floored_and_capped_at_eligible_cost() -> None:
    """subsidy = min(floor(paid × r), eligible cost)."""
    assert subsidy_yen(1_250_003, 40, 1_000_000) == 500_001  # 500,001.2 floors
    assert subsidy_yen(2_600_000, 40, 1_000_000) == 1_000_000


def test_basis_points_never_understate_a_cost() -> None:
    """3.6 % of 10,001 yen is 360.036, booked as 361."""
    assert basis_points(10_000, 360) == 360
    assert basis_points(10_001, 360) == 361


@pytest.mark.parametrize(
    ("moment", "year"),
    [
        (datetime(2026, 12, 31, 23, 59, 59, tzinfo=JST), 2026),
        (datetime(2027, 1, 1, 0, 0, 1, tzinfo=JST), 2027),
        (datetime(2026, 12, 31, 15, 0, 1, tzinfo=UTC), 2027),  # 00:00:01 JST on Jan 1
        (datetime(2026, 12, 31, 14, 59, 59, tzinfo=UTC), 2026),
    ],
)
def test_tax_year_is_the_jst_year_of_payment(moment: datetime, year: int) -> None:
    """The year of the payment-completed time in Japan decides the tax year."""
    assert tax_year(moment) == year


def test_naive_times_are_refused() -> None:
    """A time without a zone is a bug, not a guess."""
    with pytest.raises(ValueError):
        tax_year(datetime(2026, 12, 31, 23, 0))
