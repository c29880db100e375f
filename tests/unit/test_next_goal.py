"""ネクストゴール's rules: who may have one, where its amount may lie, how its progress reads."""

from __future__ import annotations

import pytest

from furusato.domain.campaign import Phase
from furusato.domain.next_goal import NextGoalProgress, amount_problems, campaign_refusal

TARGET, CAP = 1_250_000, 2_500_000


@pytest.mark.parametrize(
    ("paid", "ok"), [(TARGET - 1, False), (TARGET, True), (TARGET + 1, True)]
)
def test_only_a_campaign_at_its_target_may_have_a_next_goal(paid: int, ok: bool) -> None:
    """One yen short of the target: refused; at or over it: allowed."""
    assert (campaign_refusal(Phase.LIVE, paid, TARGET) is None) is ok


@pytest.mark.parametrize(
    ("phase", "ok"),
    [
        (Phase.LIVE, True),
        (Phase.PAUSED, True),
        (Phase.SCHEDULED, False),
        (Phase.ENDED, False),
        (Phase.SETTLING, False),
        (Phase.SETTLED, False),
    ],
)
def test_only_an_open_campaign_may_have_a_next_goal(phase: Phase, ok: bool) -> None:
    """Live or paused (it may resume): yes; ended, settling or settled: no."""
    assert (campaign_refusal(phase, TARGET, TARGET) is None) is ok


@pytest.mark.parametrize(
    ("amount", "ok"),
    [(1_600_000, False), (1_600_001, True), (CAP, True), (CAP + 1, False)],
    ids=["at-paid", "over-paid", "at-cap", "over-cap"],
)
def test_the_amount_lies_above_the_paid_total_and_within_the_cap(amount: int, ok: bool) -> None:
    """With 1,600,000 yen raised: the next goal is more than that and at most the cap."""
    found = amount_problems(amount, "理由", paid_total_yen=1_600_000, cap_yen=CAP)
    assert ("amount_yen" not in found) is ok


def test_a_reason_is_required_and_at_most_2000_characters() -> None:
    """An empty or blank reason and one of 2,001 characters are refused; 2,000 pass."""
    for reason, ok in (("", False), ("  ", False), ("あ" * 2_000, True), ("あ" * 2_001, False)):
        found = amount_problems(2_000_000, reason, paid_total_yen=1_600_000, cap_yen=CAP)
        assert ("reason" not in found) is ok
    assert "amount_yen" in amount_problems(True, "理由", paid_total_yen=0, cap_yen=CAP)


def test_progress_toward_the_next_goal() -> None:
    """Percent floored, bar capped at 100, reached at the amount, and the subsidy the formula
    gives at the next goal (never more than the eligible cost)."""
    below = NextGoalProgress(2_000_000, 1_999_999, 40, 1_000_000)
    assert (below.percent, below.reached, below.remaining_yen) == (99, False, 1)
    at = NextGoalProgress(2_000_000, 2_000_000, 40, 1_000_000)
    assert (at.percent, at.bar_percent, at.reached, at.remaining_yen) == (100, 100, True, 0)
    over = NextGoalProgress(2_000_000, 2_600_000, 40, 1_000_000)
    assert (over.percent, over.bar_percent) == (130, 100)
    assert at.subsidy_at_goal_yen == 800_000  # 2,000,000 × 40 %
    assert NextGoalProgress(CAP, 0, 40, 1_000_000).subsidy_at_goal_yen == 1_000_000
