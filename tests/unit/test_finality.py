"""The finality rule and the pledge amount rule (pure domain)."""

from __future__ import annotations

from furusato.domain.finality import (
    earlier_donations_become_final,
    final_on_payment,
    target_reached,
)
from furusato.domain.pledge import MAX_DONATION_YEN, amount_problem


def test_keep_campaign_donations_are_final_at_once() -> None:
    """A keep campaign never refunds, so a paid donation is final before the target."""
    assert final_on_payment("keep", target_reached_at_payment=False)


def test_refund_campaign_waits_for_the_target() -> None:
    """A refund campaign's donation is final only once the target is reached."""
    assert not final_on_payment("refund", target_reached_at_payment=False)
    assert final_on_payment("refund", target_reached_at_payment=True)


def test_reaching_the_target_finalises_earlier_donations_only_once() -> None:
    """Only the first crossing of the target in a refund campaign finalises the others."""
    assert earlier_donations_become_final("refund", first_time_reached=True)
    assert not earlier_donations_become_final("refund", first_time_reached=False)
    assert not earlier_donations_become_final("keep", first_time_reached=True)


def test_target_counts_paid_money_at_the_boundary() -> None:
    """Exactly the target counts as reached; one yen short does not."""
    assert target_reached(10_000, 10_000) and not target_reached(9_999, 10_000)


def test_amount_rules() -> None:
    """Minimum 2,000 yen, a maximum, whole yen only, and at least the tier's amount."""
    assert amount_problem(2_000, None) is None
    assert amount_problem(1_999, None)
    assert amount_problem(MAX_DONATION_YEN + 1, None)
    assert amount_problem(2_000.5, None)  # type: ignore[arg-type]
    assert amount_problem(True, None)
    assert amount_problem(9_999, 10_000)
    assert amount_problem(12_000, 10_000) is None
