"""The 50 % rule on a year's costs: exactly half is within, a yen over is not; actual costs
replace the estimate as soon as one category is recorded."""

from __future__ import annotations

from furusato.domain.cost_survey import CostCategory, judged_ratio, ratio_bp, within_limit


def test_half_is_within_and_one_yen_over_is_not() -> None:
    """¥500,000 of ¥1,000,000 is within; ¥500,001 is over; ¥499,999 is within."""
    assert within_limit(500_000, 1_000_000) is True
    assert within_limit(499_999, 1_000_000) is True
    assert within_limit(500_001, 1_000_000) is False
    assert ratio_bp(500_001, 1_000_000) == 5_000  # shown rounded down, judged exactly
    assert within_limit(1, 0) is None and ratio_bp(1, 0) is None


def test_actual_costs_replace_the_estimate_once_any_is_recorded() -> None:
    """No category recorded: the estimate; one recorded (even ¥0): the sum of the actual."""
    before = judged_ratio({}, 300_000, 1_000_000)
    assert (before.actual, before.costs_yen, before.within_limit) == (False, 300_000, True)
    after = judged_ratio({CostCategory.ADMINISTRATION: 0}, 300_000, 1_000_000)
    assert (after.actual, after.costs_yen) == (True, 0)
    over = judged_ratio(
        {CostCategory.GIFT_PROCUREMENT: 300_000, CostCategory.SHIPPING: 200_001},
        300_000,
        1_000_000,
    )
    assert (over.costs_yen, over.within_limit) == (500_001, False)
