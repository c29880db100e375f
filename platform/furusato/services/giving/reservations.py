"""Releasing lapsed reservations: the one rule the payments sweep and settlement share.

A pending donation whose reservation has run out, and which has no charge whose outcome is
open or successful, becomes `expired` and gives its tier unit and cap room back. The claim is
the conditional UPDATE itself, so a payment confirmation racing with it wins or loses cleanly
and nothing is released twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from furusato.domain.states import AttemptKind, AttemptStatus, DonationStatus
from furusato.models import Donation, PaymentAttempt, Project, Tier

# A charge in one of these states may still bring (or has brought) the money: never expire.
BLOCKING = (AttemptStatus.STARTED, AttemptStatus.UNKNOWN, AttemptStatus.SUCCEEDED)


def release_lapsed(
    session: Session,
    lapsed_before: datetime,
    *,
    donation_id: int | None = None,
    project_id: int | None = None,
) -> list[int]:
    """Expire the lapsed pending donations (one, or a campaign's) in the caller's transaction
    and release what they reserved; returns the ids expired."""
    blocking_charge = (
        select(PaymentAttempt.id)
        .where(
            PaymentAttempt.donation_id == Donation.id,
            PaymentAttempt.kind == AttemptKind.CHARGE,
            PaymentAttempt.status.in_([str(s) for s in BLOCKING]),
        )
        .exists()
    )
    stmt = update(Donation).where(
        Donation.status == DonationStatus.PENDING_PAYMENT,
        Donation.reserved_until < lapsed_before,
        ~blocking_charge,
    )
    if donation_id is not None:
        stmt = stmt.where(Donation.id == donation_id)
    if project_id is not None:
        stmt = stmt.where(Donation.project_id == project_id)
    rows = session.execute(
        stmt.values(status=DonationStatus.EXPIRED)
        .returning(Donation.id, Donation.project_id, Donation.amount_yen, Donation.tier_id)
        .execution_options(synchronize_session=False)
    ).all()
    room: Counter[int] = Counter()
    units: Counter[int] = Counter()
    for row in rows:
        room[row.project_id] += row.amount_yen
        if row.tier_id is not None:
            units[row.tier_id] += 1
    # Tiers before campaigns, each by id: the order a pledge takes them in (donations._reserve),
    # so a sweep and a pledge never wait for each other in a circle.
    for tier_id, n in sorted(units.items()):
        session.execute(
            update(Tier)
            .where(Tier.id == tier_id, Tier.quantity_limit.is_not(None))  # see TAKE_UNIT
            .values(reserved_count=Tier.reserved_count - n)
        )
    for pid, amount in sorted(room.items()):
        session.execute(
            update(Project)
            .where(Project.id == pid)
            .values(reserved_total_yen=Project.reserved_total_yen - amount)
        )
    return [row.id for row in rows]
