"""When a paid donation becomes final: it can no longer be refunded, so its receipt may be issued.

A `keep` campaign never refunds: every paid donation is final at once. A `refund` campaign
refunds everything if it misses its target, so its donations become final only once the target
is reached; at that moment all its earlier paid donations become final together.
"""

from __future__ import annotations

from furusato.domain.states import MissPolicy


def target_reached(paid_total_yen: int, target_yen: int) -> bool:
    """The target counts paid money only (pending pledges may still expire)."""
    return paid_total_yen >= target_yen


def final_on_payment(miss_policy: str, target_reached_at_payment: bool) -> bool:
    """Whether a donation is final the moment its payment is recorded."""
    return MissPolicy(miss_policy) == MissPolicy.KEEP or target_reached_at_payment


def earlier_donations_become_final(miss_policy: str, first_time_reached: bool) -> bool:
    """Whether reaching the target now makes the campaign's earlier paid donations final."""
    return MissPolicy(miss_policy) == MissPolicy.REFUND and first_time_reached
