"""A campaign's phase follows its status and the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from furusato.domain.campaign import CampaignClock, Phase, days_left, takes_payments

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def clock(status: str = "approved", *, start: int = -1, end: int = 10, reserved: int = 0):  # type: ignore[no-untyped-def]
    return CampaignClock(
        status, NOW + timedelta(days=start), NOW + timedelta(days=end), reserved, 1_000_000
    )


def test_approved_campaign_is_scheduled_then_live_then_ended() -> None:
    """Approval schedules; the start opens it; the deadline ends it."""
    assert clock(start=1).phase(NOW) == Phase.SCHEDULED
    assert clock().phase(NOW) == Phase.LIVE
    assert clock(end=0).phase(NOW) == Phase.ENDED


def test_a_campaign_at_its_cap_takes_no_more() -> None:
    """Reaching the cap ends donations before the deadline."""
    assert clock(reserved=999_999).accepts_donations(NOW)
    assert not clock(reserved=1_000_000).accepts_donations(NOW)


def test_paused_and_unreviewed_campaigns_take_nothing() -> None:
    """Only a live campaign accepts donations."""
    for status in ("draft", "submitted", "paused", "closing", "settling", "settled"):
        assert not clock(status).accepts_donations(NOW)


def test_days_left_rounds_up() -> None:
    """Half a day left shows as one day; a passed deadline as zero."""
    assert days_left(NOW + timedelta(hours=12), NOW) == 1
    assert days_left(NOW - timedelta(hours=1), NOW) == 0


def test_held_pledges_are_paid_while_approved_or_closing_but_not_paused() -> None:
    """A held pledge may be paid while its campaign is approved or closing; not while it is
    paused, nor once it closed while paused, nor in any other status."""
    assert takes_payments("approved", "")
    assert takes_payments("closing", "")
    assert not takes_payments("paused", "事業者の確認中")
    assert not takes_payments("closing", "事業者の確認中")
    for status in ("draft", "submitted", "settling", "settled"):
        assert not takes_payments(status, "")
