"""A closed campaign's outcome, decided once.

When none of a closing campaign's donations is pending any more, the outcome is decided on the
paid donations (domain.settlement.decide) and claimed `closing → settling` (a conditional
UPDATE: a second sweep finds nothing to do), in one transaction with marking every paid donation
`settlement_state='pending'`, the funded campaign's draft payout and its subsidy booking.
Sending the donations to the worker is closing.py's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from furusato.domain.money import utcnow
from furusato.domain.settlement import Account, decide, project_key
from furusato.domain.states import CampaignStatus, DonationStatus, SettlementState
from furusato.models import Donation, Payout, Project
from furusato.services import audit
from furusato.services.settlement import ledger
from furusato.services.uow import UnitOfWork

PENDING = str(SettlementState.PENDING)


@dataclass(frozen=True)
class Waiting:
    """Not decided: this many donations are still pending payment."""

    pending: int


@dataclass(frozen=True)
class Decided:
    outcome: str
    action: str
    donation_ids: list[int]  # the paid donations now pending settlement, by id


def decide_once(project_id: int) -> Decided | Waiting | None:
    """Decide the closing campaign's outcome unless a payment is pending (Waiting); None if it
    is no longer closing (another sweep decided it first)."""
    with UnitOfWork() as uow:
        s = uow.session
        pending = s.scalar(
            select(func.count(Donation.id)).where(
                Donation.project_id == project_id,
                Donation.status == DonationStatus.PENDING_PAYMENT,
            )
        )
        if pending:
            return Waiting(int(pending))
        project = s.get(Project, project_id)
        assert project is not None
        paid_total = s.scalar(
            select(func.coalesce(func.sum(Donation.amount_yen), 0)).where(
                Donation.project_id == project_id, Donation.status == DonationStatus.PAID
            )
        )
        decision = decide(
            paid_total_yen=int(paid_total or 0),
            target_yen=project.target_yen,
            subsidy_rate_percent=project.subsidy_rate_percent,
            eligible_cost_yen=project.eligible_cost_yen,
            miss_policy=project.miss_policy,
            fallback_gift_note=project.fallback_gift_note,
        )
        claimed = s.execute(
            update(Project)
            .where(Project.id == project_id, Project.status == CampaignStatus.CLOSING)
            .values(status=CampaignStatus.SETTLING, outcome=decision.outcome)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None  # another sweep decided it first
        s.execute(
            update(Donation)
            .where(
                Donation.project_id == project_id,
                Donation.status == DonationStatus.PAID,
                Donation.settlement_state.is_(None),
            )
            .values(settlement_state=PENDING, settlement_error="")
            .execution_options(synchronize_session=False)
        )
        if decision.subsidy_yen > 0:
            ledger.insert_ignoring_duplicates(
                s,
                Payout,
                [
                    {
                        "project_id": project_id,
                        "business_id": project.business_id,
                        "amount_yen": decision.subsidy_yen,
                        "status": "draft",
                        "note": "",
                        "created_at": utcnow(),
                    }
                ],
                ["project_id"],
            )
            ledger.book(
                s,
                [
                    ledger.entry(
                        key=project_key(project_id, "subsidy"),
                        project_id=project_id,
                        account=Account.SUBSIDY_PAYABLE,
                        amount_yen=-decision.subsidy_yen,
                        at=utcnow(),
                        memo=f"{project.subsidy_rate_percent}% of {paid_total}, "
                        f"capped at {project.eligible_cost_yen}",
                    )
                ],
            )
        audit.record(
            s,
            None,
            "campaign.settling",
            "project",
            project_id,
            before={"status": "closing"},
            after={
                "status": "settling",
                "outcome": decision.outcome,
                "action": decision.action,
                "paid_total_yen": int(paid_total or 0),
                "subsidy_yen": decision.subsidy_yen,
            },
        )
        ids = list(
            s.scalars(
                select(Donation.id)
                .where(Donation.project_id == project_id, Donation.settlement_state == PENDING)
                .order_by(Donation.id)
            )
        )
        uow.commit()
    return Decided(decision.outcome, decision.action, ids)
