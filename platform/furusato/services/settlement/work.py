"""The per-donation half of settlement: chunks of donations claimed and handled, then the finish.

A chunk is a list of donation ids of one settling campaign. Fulfilling (funded, or missed and
kept) claims the whole chunk in one transaction: its donations go `pending → done` together with
their shipments, ledger entries and receipt tasks, so a crash leaves a chunk either all done or
all pending. Refunds go one donation at a time around the gateway call (settlement_refunds).
Any number of copies of a chunk may run (a redelivered message, the sweep's re-send): rows are
claimed with `FOR NO KEY UPDATE SKIP LOCKED` and `settlement_state = 'pending'`, keys are unique.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from furusato.domain import deliveries
from furusato.domain.money import utcnow
from furusato.domain.settlement import (
    Account,
    Decision,
    action_of,
    donation_key,
    error_text,
    project_key,
)
from furusato.domain.states import (
    CampaignStatus,
    DonationStatus,
    SettlementState,
)
from furusato.models import (
    Donation,
    LedgerEntry,
    Project,
    Shipment,
    Tier,
)
from furusato.payments import GatewayUnavailable
from furusato.services import audit, mail, mail_texts, per_item
from furusato.services.settlement import ledger, refunds
from furusato.services.uow import UnitOfWork

log = logging.getLogger(__name__)

# Errors after which the same work may simply run again later, with the same keys.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (GatewayUnavailable, OperationalError)

PENDING, DONE, FAILED = (str(s) for s in SettlementState)
RECEIPT_TASK = "furusato.issue_receipt_chunk"


def _decision(session: Session, project_id: int) -> Decision | None:
    project = session.get(Project, project_id)
    # A settled campaign still takes late work: a payment confirmed after it settled.
    if project is None or project.status not in (CampaignStatus.SETTLING, CampaignStatus.SETTLED):
        return None
    return action_of(project.outcome, project.miss_policy, project.fallback_gift_note)


def run_chunk(project_id: int, donation_ids: Sequence[int]) -> None:
    """Settle these donations of a settling campaign (skipping any already handled)."""
    with UnitOfWork() as uow:
        decision = _decision(uow.session, project_id)
    if decision is None:
        return
    if decision.action == "refund":  # one donation at a time, each on its own
        per_item.each(
            f"settlement: refunds of project {project_id}",
            donation_ids,
            lambda donation_id: refunds.refund_one(project_id, donation_id),
            reraise=TRANSIENT_ERRORS,  # the task retries the chunk later, with the same keys
            on_failure=lambda donation_id, exc: mark_failed(
                project_id, [donation_id], "error", f"{type(exc).__name__}: {exc}"
            ),
        )
    else:
        _fulfil_safely(project_id, list(donation_ids), decision)
    finish(project_id)


def _fulfil_safely(project_id: int, ids: list[int], decision: Decision) -> None:
    """The whole chunk in one transaction; if that fails, one donation at a time, so one bad
    row is marked failed (for staff) instead of holding back the other 499."""
    try:
        _fulfil(project_id, ids, decision)
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        if len(ids) == 1:
            log.exception("settling donation %s failed", ids[0])
            mark_failed(project_id, ids, "error", f"{type(exc).__name__}: {exc}")
            return
        for donation_id in ids:
            _fulfil_safely(project_id, [donation_id], decision)


def _fulfil(project_id: int, ids: list[int], decision: Decision) -> None:
    now = utcnow()
    with UnitOfWork() as uow:
        s = uow.session
        rows = s.execute(
            select(
                Donation.id,
                Donation.amount_yen,
                Donation.fee_yen,
                Donation.gift,
                Donation.resident,
                Donation.tier_id,
                Donation.final_at,
                Donation.paid_at,
                Donation.donor_name,
                Donation.email,
                Donation.postal_code,
                Donation.address,
                Donation.phone,
                Donation.recipient_name,
                Donation.recipient_postal_code,
                Donation.recipient_address,
                Donation.recipient_phone,
                Donation.gift_wrapping,
                Donation.noshi,
                Donation.noshi_name,
                Donation.delivery_window,
                Tier.delivery_month,
                Tier.delivery_months,
                Tier.procurement_cost_yen,
                Tier.shipping_cost_yen,
            )
            .outerjoin(Tier, Tier.id == Donation.tier_id)
            .where(
                Donation.id.in_(ids),
                Donation.project_id == project_id,
                Donation.settlement_state == PENDING,
                Donation.status == DonationStatus.PAID,
            )
            .order_by(Donation.id)
            .with_for_update(of=Donation, skip_locked=True, key_share=True)
        ).all()
        claimed = [r.id for r in rows]
        if claimed:
            result = s.execute(
                update(Donation)
                .where(Donation.id.in_(claimed), Donation.settlement_state == PENDING)
                .values(
                    settlement_state=DONE,
                    settlement_error="",
                    final_at=func.coalesce(Donation.final_at, now),
                )
                .execution_options(synchronize_session=False)
            )
            assert result.rowcount == len(claimed)  # type: ignore[attr-defined]
        # Pending rows that are no longer paid (refunded by hand meanwhile): nothing to do.
        s.execute(
            update(Donation)
            .where(
                Donation.id.in_(ids),
                Donation.project_id == project_id,
                Donation.settlement_state == PENDING,
                Donation.status != DonationStatus.PAID,
            )
            .values(settlement_state=DONE)
            .execution_options(synchronize_session=False)
        )
        shipments: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        for r in rows:
            paid_at = r.paid_at or now
            entries.append(ledger.received(project_id, r.id, r.amount_yen, paid_at))
            if r.fee_yen:
                entries.append(ledger.fee(project_id, r.id, r.fee_yen, paid_at))
            ships = decision.ships_gifts and r.gift and not r.resident and r.tier_id is not None
            if ships:
                made = _shipments(project_id, r, now)
                shipments += made
                times = len(made)  # a 定期便's deliveries each cost their gift and shipping
                entries.append(
                    ledger.entry(
                        key=donation_key(r.id, "gift_cost"),
                        project_id=project_id,
                        donation_id=r.id,
                        account=Account.GIFT_COST,
                        amount_yen=-(r.procurement_cost_yen or 0) * times,
                        at=now,
                    )
                )
                entries.append(
                    ledger.entry(
                        key=donation_key(r.id, "shipping"),
                        project_id=project_id,
                        donation_id=r.id,
                        account=Account.SHIPPING_COST,
                        amount_yen=-(r.shipping_cost_yen or 0) * times,
                        at=now,
                    )
                )
            if decision.action == "keep":
                _queue_kept_mail(uow, project_id, r.id, r.email, r.amount_yen)
        ledger.insert_ignoring_duplicates(
            s, Shipment, shipments, ["donation_id", "delivery_number"]
        )
        ledger.book(s, entries)
        newly_final = [r.id for r in rows if r.final_at is None]
        if newly_final:  # one receipts task per chunk (the receipts service batches them)
            uow.enqueue(RECEIPT_TASK, newly_final)
        uow.commit()


def _first_of_next_month(moment: datetime) -> date:
    return date(moment.year + moment.month // 12, moment.month % 12 + 1, 1)


def _shipments(project_id: int, r: Any, now: datetime) -> list[dict[str, Any]]:
    """One shipment per delivery (a 定期便's N months, else one), to the recipient the donor
    named or to the donor, each with the donor's choices."""
    months = deliveries.schedule(r.delivery_month, r.delivery_months) or (
        _first_of_next_month(now),
    )
    to_other = bool(r.recipient_name)
    return [
        {
            "donation_id": r.id,
            "delivery_number": number,
            "delivery_count": len(months),
            "project_id": project_id,
            "tier_id": r.tier_id,
            "scheduled_month": month,
            "status": "scheduled",
            "quantity": 1,
            "ship_name": r.recipient_name if to_other else r.donor_name,
            "ship_postal_code": r.recipient_postal_code if to_other else r.postal_code,
            "ship_address": r.recipient_address if to_other else r.address,
            "ship_phone": r.recipient_phone if to_other else r.phone,
            "gift_from": r.donor_name if to_other else "",
            "gift_wrapping": r.gift_wrapping,
            "noshi": r.noshi,
            "noshi_name": r.noshi_name,
            "delivery_window": r.delivery_window,
            "carrier": "",
            "tracking_number": "",
            "created_at": now,
            "updated_at": now,
        }
        for number, month in enumerate(months, start=1)
    ]


def _queue_kept_mail(
    uow: UnitOfWork, project_id: int, donation_id: int, to: str, amount: int
) -> None:
    project = uow.session.get(Project, project_id)
    assert project is not None
    text = mail_texts.render("missed_kept", project=project, amount_yen=amount)
    mail.queue(
        uow, key=donation_key(donation_id, "kept"), to=to, subject=text.subject, body=text.body
    )


def mark_failed(project_id: int, donation_ids: Sequence[int], code: str, message: str) -> int:
    """Mark still-pending donations failed (the sweep retries transient codes; staff the rest)."""
    with UnitOfWork() as uow:
        result = uow.session.execute(
            update(Donation)
            .where(
                Donation.id.in_(list(donation_ids)),
                Donation.project_id == project_id,
                Donation.settlement_state == PENDING,
            )
            .values(settlement_state=FAILED, settlement_error=error_text(code, message))
            .execution_options(synchronize_session=False)
        )
        uow.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]


def finish(project_id: int) -> bool:
    """Claim `settling → settled` once nothing is pending or failed; book the city's share."""
    with UnitOfWork() as uow:
        s = uow.session
        open_work = s.scalar(
            select(func.count(Donation.id)).where(
                Donation.project_id == project_id,
                Donation.settlement_state.in_((PENDING, FAILED))
                | ((Donation.status == DonationStatus.PAID) & Donation.settlement_state.is_(None)),
            )
        )
        if open_work:
            return False
        now = utcnow()
        claimed = s.execute(
            update(Project)
            .where(Project.id == project_id, Project.status == CampaignStatus.SETTLING)
            .values(status=CampaignStatus.SETTLED, settled_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            _rebalance_after_settlement(uow, project_id, now)
            return False
        share = ledger.city_share_remainder(s, project_id)
        ledger.book(
            s,
            [
                ledger.entry(
                    key=project_key(project_id, "city_share"),
                    project_id=project_id,
                    account=Account.CITY_SHARE,
                    amount_yen=share,
                    at=now,
                )
            ],
        )
        audit.record(
            s,
            None,
            "campaign.settled",
            "project",
            project_id,
            before={"status": "settling"},
            after={"status": "settled", "city_share_yen": -share},
        )
        uow.commit()
        return True


def _rebalance_after_settlement(uow: UnitOfWork, project_id: int, now: datetime) -> None:
    """Late work on a settled campaign (a payment confirmed after it settled, refunded or kept
    by the same rules) leaves the ledger out of balance: book the difference to the city's
    share under the next numbered key. The subsidy is not recomputed: staff see the payout."""
    s = uow.session
    project = s.get(Project, project_id)
    if project is None or project.status != CampaignStatus.SETTLED:
        return
    share = -ledger.balance(s, project_id)
    if share == 0:
        return
    booked = s.scalar(
        select(func.count(LedgerEntry.id)).where(
            LedgerEntry.project_id == project_id, LedgerEntry.account == Account.CITY_SHARE
        )
    )
    key = project_key(project_id, f"city_share:{int(booked or 0) + 1}")
    ledger.book(
        s,
        [
            ledger.entry(
                key=key,
                project_id=project_id,
                account=Account.CITY_SHARE,
                amount_yen=share,
                at=now,
                memo="late payment after settlement",
            )
        ],
    )
    audit.record(
        s,
        None,
        "campaign.late_settlement",
        "project",
        project_id,
        after={"city_share_adjustment_yen": -share, "key": key},
    )
    uow.commit()
