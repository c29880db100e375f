"""Settlement in the service layer: closing, deciding, chunks, ledger, payouts, shipments."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.domain.settlement import STALL_AFTER
from furusato.models import AuditLog, Donation, LedgerEntry, Payout, Project, Shipment
from furusato.services.settlement import closing, ledger, work
from tests.conftest import TaskRecorder
from tests.factories import make_donation, make_project

NOW = datetime.now(UTC)
PAST = NOW - timedelta(minutes=1)


def run_sent_chunks(sent: TaskRecorder) -> int:
    """Run the chunk tasks the code under test sent (as the worker would), once each."""
    ran = 0
    while True:
        chunks = [args for name, args in sent.sent if name == closing.CHUNK_TASK]
        sent.sent = [(n, a) for n, a in sent.sent if n != closing.CHUNK_TASK]
        if not chunks:
            return ran
        for project_id, ids in chunks:
            work.run_chunk(project_id, ids)
            ran += 1


def receipt_ids(sent: TaskRecorder) -> list[int]:
    """Donations whose receipts the settlement asked for (one task per chunk)."""
    return [i for n, a in sent.sent if n == work.RECEIPT_TASK for i in a[0]]


def funded_project(db: Session, amounts: list[int], **kw: object) -> Project:
    project = make_project(db, deadline=PAST, **kw)  # type: ignore[arg-type]
    for i, amount in enumerate(amounts):
        make_donation(db, project, amount_yen=amount, fee_yen=amount * 36 // 1000, gift=i % 2 == 0)
    total = sum(amounts)
    project.paid_total_yen = project.reserved_total_yen = total
    project.paid_count = project.tiers[0].reserved_count = len(amounts)
    db.flush()
    return project


def test_funded_campaign_settles_with_floored_subsidy(
    db: Session, sent_tasks: TaskRecorder
) -> None:
    """A funded campaign gets a draft payout of floor(paid × 40 %), shipments, ledger, receipts."""
    project = funded_project(db, [1_000_000, 333_333])  # target 1,250,000
    report = closing.settle_due(NOW)
    assert report.closed == [project.id]
    assert report.decided == [(project.id, "funded", "fulfil")]
    run_sent_chunks(sent_tasks)
    db.expire_all()
    assert project.status == "settled" and project.outcome == "funded"
    payout = db.scalar(select(Payout).where(Payout.project_id == project.id))
    assert payout is not None and payout.amount_yen == 533_333 and payout.status == "draft"
    shipments = db.scalars(select(Shipment).where(Shipment.project_id == project.id)).all()
    assert len(shipments) == 1 and shipments[0].ship_name == "寄附 花子"
    donations = db.scalars(select(Donation).where(Donation.project_id == project.id)).all()
    assert sorted(receipt_ids(sent_tasks)) == sorted(d.id for d in donations)
    assert all(d.final_at is not None and d.settlement_state == "done" for d in donations)
    totals = ledger.totals(db, project.id)
    assert totals["donation_received"] == 1_333_333
    assert totals["subsidy_payable"] == -533_333
    assert sum(totals.values()) == 0  # the city's share balances the campaign


def test_campaign_at_cap_closes_before_deadline_and_subsidy_is_the_eligible_cost(
    db: Session, sent_tasks: TaskRecorder
) -> None:
    """Reaching the cap closes the campaign early; the subsidy is min(paid × r, cost) = cost."""
    project = make_project(db, eligible_cost_yen=1_000_000, subsidy_rate_percent=30)
    make_donation(db, project, amount_yen=project.cap_yen)
    project.paid_total_yen = project.reserved_total_yen = project.cap_yen
    db.flush()
    closing.settle_due(NOW)
    run_sent_chunks(sent_tasks)
    db.expire_all()
    assert project.status == "settled"
    payout = db.scalar(select(Payout).where(Payout.project_id == project.id))
    assert payout is not None and payout.amount_yen == 1_000_000


def test_second_sweep_and_repeated_chunks_book_nothing_twice(
    db: Session, sent_tasks: TaskRecorder
) -> None:
    """Running the sweep again and every chunk twice adds no shipment, ledger row or payout."""
    funded_project(db, [700_000, 700_000])
    closing.settle_due(NOW)
    chunk_args = [a for n, a in sent_tasks.sent if n == closing.CHUNK_TASK]
    run_sent_chunks(sent_tasks)
    counts = (
        db.scalar(select(func.count(LedgerEntry.id))),
        db.scalar(select(func.count(Shipment.id))),
        db.scalar(select(func.count(Payout.id))),
    )
    for project_id, ids in chunk_args:
        work.run_chunk(project_id, ids)
    again = closing.settle_due(NOW + STALL_AFTER * 2)
    assert again.closed == [] and again.decided == [] and again.donations_sent == 0
    assert counts == (
        db.scalar(select(func.count(LedgerEntry.id))),
        db.scalar(select(func.count(Shipment.id))),
        db.scalar(select(func.count(Payout.id))),
    )
    actions = Counter(db.scalars(select(AuditLog.action)))
    assert actions["campaign.settled"] == 1 and actions["campaign.settling"] == 1


def test_closing_campaign_waits_for_pending_payments(db: Session, sent_tasks: TaskRecorder) -> None:
    """A pending donation holds the campaign in `closing` until it is past reservation + grace."""
    project = funded_project(db, [1_300_000])
    pending = make_donation(
        db, project, status="pending_payment", reserved_until=NOW + timedelta(minutes=5)
    )
    project.reserved_total_yen += pending.amount_yen
    project.tiers[0].reserved_count += 1
    db.flush()
    first = closing.settle_due(NOW)
    assert first.waiting == {project.id: 1}
    db.expire_all()
    assert project.status == "closing"
    later = closing.settle_due(NOW + timedelta(hours=1))
    assert later.expired == 1 and later.decided == [(project.id, "funded", "fulfil")]
    db.expire_all()
    assert pending.status == "expired" and project.reserved_total_yen == 1_300_000


def test_missed_keep_campaign_keeps_donations_and_ships_only_if_promised(
    db: Session, sent_tasks: TaskRecorder
) -> None:
    """A missed `keep` campaign issues receipts, mails donors, and ships only with a gift note."""
    silent = make_project(db, deadline=PAST, miss_policy="keep", fallback_purpose="市の子育て支援")
    promised = make_project(
        db,
        deadline=PAST,
        miss_policy="keep",
        fallback_purpose="市の子育て支援",
        fallback_gift_note="各コースの返礼品をお送りします。",
    )
    for project in (silent, promised):
        make_donation(db, project)
    closing.settle_due(NOW)
    run_sent_chunks(sent_tasks)
    db.expire_all()
    for project in (silent, promised):
        assert project.status == "settled" and project.outcome == "missed"
        d = db.scalar(select(Donation).where(Donation.project_id == project.id))
        assert d is not None and d.status == "paid" and d.final_at is not None
    ships = Counter(db.scalars(select(Shipment.project_id)))
    assert ships == {promised.id: 1}
    assert db.scalar(select(func.count(Payout.id))) == 0
    assert len(receipt_ids(sent_tasks)) == 2


def test_lost_chunk_messages_are_sent_again_once_the_campaign_stalls(
    db: Session, sent_tasks: TaskRecorder
) -> None:
    """Chunks whose messages were lost are re-sent by the sweep only after STALL_AFTER without
    progress; then they settle the campaign."""
    project = funded_project(db, [700_000, 700_000])
    now = datetime.now(UTC)  # the stall is measured from the claim's own clock
    closing.settle_due(now)
    sent_tasks.sent.clear()  # the broker lost them
    soon = closing.settle_due(now + STALL_AFTER / 2)
    assert soon.donations_sent == 0
    later = closing.settle_due(now + STALL_AFTER * 2)
    assert later.donations_sent == 2
    run_sent_chunks(sent_tasks)
    db.expire_all()
    assert project.status == "settled"
