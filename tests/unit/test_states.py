"""State machines refuse moves the business does not know."""

from __future__ import annotations

import pytest

from furusato.domain.states import CAMPAIGN, DONATION, PAYOUT, IllegalTransition


def test_allowed_moves_pass() -> None:
    """Each documented move is allowed."""
    CAMPAIGN.check("draft", "submitted")
    CAMPAIGN.check("submitted", "draft")
    DONATION.check("pending_payment", "paid")
    PAYOUT.check("prepared", "approved")
    PAYOUT.check("approved", "draft")  # the business's bank account changed before export


@pytest.mark.parametrize(
    ("machine", "current", "target"),
    [
        (CAMPAIGN, "draft", "approved"),
        (CAMPAIGN, "settled", "approved"),
        (DONATION, "refunded", "paid"),
        (DONATION, "pending_payment", "refunded"),
        (PAYOUT, "draft", "approved"),
        (PAYOUT, "paid", "draft"),
        (PAYOUT, "exported", "draft"),
    ],
)
def test_illegal_moves_raise(machine, current: str, target: str) -> None:  # type: ignore[no-untyped-def]
    """Skipping review, un-refunding, approving an unprepared payout: all refused."""
    with pytest.raises(IllegalTransition):
        machine.check(current, target)


def test_sources_lists_where_a_state_can_be_reached_from() -> None:
    """Conditional UPDATEs use `sources` for their WHERE clause."""
    assert set(CAMPAIGN.sources("closing")) == {"approved", "paused"}
