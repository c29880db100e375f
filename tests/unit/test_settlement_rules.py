"""Settlement rules: outcome, subsidy, the keep-gift promise, fiscal years, error codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from furusato.domain.settlement import (
    chunks,
    decide,
    fiscal_year,
    is_transient,
    keep_ships_gift,
    refund_attempt_key,
)


def test_funded_at_target_with_floored_and_capped_subsidy() -> None:
    """Reaching the target funds the campaign; subsidy = min(floor(paid × r), eligible cost)."""
    rounding = decide(
        paid_total_yen=1_333_333,
        target_yen=1_250_000,
        subsidy_rate_percent=40,
        eligible_cost_yen=1_000_000,
        miss_policy="refund",
        fallback_gift_note="",
    )
    assert (rounding.outcome, rounding.action, rounding.subsidy_yen) == (
        "funded",
        "fulfil",
        533_333,
    )
    capped = decide(
        paid_total_yen=3_000_000,
        target_yen=1_250_000,
        subsidy_rate_percent=40,
        eligible_cost_yen=1_000_000,
        miss_policy="refund",
        fallback_gift_note="",
    )
    assert capped.subsidy_yen == 1_000_000


@pytest.mark.parametrize(
    ("policy", "note", "action", "ships"),
    [
        ("refund", "", "refund", False),
        ("keep", "", "keep", False),
        ("keep", "各コースの返礼品をお送りします。", "keep", True),
    ],
)
def test_missed_campaign_follows_its_stated_policy(
    policy: str, note: str, action: str, ships: bool
) -> None:
    """One yen short is missed: refund, or keep (with gifts only if the page promised one)."""
    d = decide(
        paid_total_yen=1_249_999,
        target_yen=1_250_000,
        subsidy_rate_percent=40,
        eligible_cost_yen=1_000_000,
        miss_policy=policy,
        fallback_gift_note=note,
    )
    assert (d.outcome, d.action, d.ships_gifts, d.subsidy_yen) == ("missed", action, ships, 0)
    assert d.issues_receipts == (action == "keep")


def test_keep_gift_promise_is_the_note_itself() -> None:
    """Whitespace is no promise; any written note is."""
    assert not keep_ships_gift("  \n")
    assert keep_ships_gift("泉州タオルをお送りします")


@pytest.mark.parametrize(
    ("moment", "year"),
    [
        (datetime(2027, 3, 31, 14, 59, 59, tzinfo=UTC), 2026),  # 23:59:59 JST on 31 March
        (datetime(2027, 3, 31, 15, 0, 0, tzinfo=UTC), 2027),  # 00:00 JST on 1 April
        (datetime(2026, 12, 31, 20, 0, tzinfo=UTC), 2026),
    ],
)
def test_fiscal_year_runs_april_to_march_in_jst(moment: datetime, year: int) -> None:
    """The fiscal year turns at 00:00 JST on 1 April."""
    assert fiscal_year(moment) == year


def test_keys_chunks_and_error_codes() -> None:
    """Refund keys are stable (numbered only for staff retries); chunks cover every id once."""
    assert refund_attempt_key(7) == "donation:7:refund"
    assert refund_attempt_key(7, 1) == "donation:7:refund:2"
    parts = list(chunks(list(range(1_201)), 500))
    assert [len(p) for p in parts] == [500, 500, 201]
    assert is_transient("gateway_unavailable: timeout")
    assert not is_transient("card_declined: no")
