"""Settlement on a real Celery worker (Redis broker, PostgreSQL, localstripe for refunds)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from furusato.domain.settlement import STALL_AFTER
from furusato.models import Donation, LedgerEntry, PaymentAttempt, Payout, Project, Shipment
from furusato.services.settlement import closing
from tests.support.localstripe import LocalStripe
from tests.support.settlement import seed_campaign
from tests.support.worker import RunningWorker

pytestmark = pytest.mark.worker


def status_of(engine: Engine, project_id: int) -> str:
    with Session(engine) as s:
        project = s.get(Project, project_id)
        assert project is not None
        return project.status


def paid_intents(stripe: LocalStripe, amounts: list[int]) -> list[str]:
    """Real succeeded PaymentIntents in localstripe, one per amount."""
    ids = []
    for amount in amounts:
        intent = stripe.client.v1.payment_intents.create(
            params={
                "amount": amount,
                "currency": "jpy",
                "payment_method": stripe.payment_method(),
                "confirm": True,
            }
        )
        assert intent.status == "succeeded"
        ids.append(str(intent.id))
    return ids


def refunds_per_intent(stripe: LocalStripe, intent_ids: list[str]) -> dict[str, list[int]]:
    return {
        pi: [int(r.amount) for r in stripe.client.v1.refunds.list(params={"payment_intent": pi})]
        for pi in intent_ids
    }


def test_worker_settles_a_funded_campaign(committed: Engine, worker: RunningWorker) -> None:
    """The sweep closes the campaign; the worker's chunks settle it with the right subsidy."""
    project_id = seed_campaign(committed, count=7, amounts=[10_000] * 6 + [3_333])
    report = closing.settle_due(datetime.now(UTC))
    assert report.closed == [project_id] and report.chunks_sent == 1
    worker.wait_for(lambda: status_of(committed, project_id) == "settled", timeout=60)
    with Session(committed) as s:
        payout = s.scalar(select(Payout).where(Payout.project_id == project_id))
        assert payout is not None and payout.amount_yen == 25_333  # floor(63,333 × 0.4)
        assert s.scalar(select(func.count(Shipment.id))) == 7


def test_missed_refund_campaign_refunds_each_donation_once(
    committed: Engine, worker: RunningWorker, stripe_clean: LocalStripe
) -> None:
    """Every PaymentIntent is refunded exactly its amount, once; a second run refunds nothing."""
    amounts = [5_000, 7_000, 12_345]
    intents = paid_intents(stripe_clean, amounts)
    project_id = seed_campaign(
        committed, count=3, amounts=amounts, funded=False, payment_intents=intents
    )
    closing.settle_due(datetime.now(UTC))
    worker.wait_for(lambda: status_of(committed, project_id) == "settled", timeout=60)
    expected = {pi: [amount] for pi, amount in zip(intents, amounts, strict=True)}
    assert refunds_per_intent(stripe_clean, intents) == expected
    again = closing.settle_due(datetime.now(UTC) + STALL_AFTER * 3)
    assert again.donations_sent == 0
    assert refunds_per_intent(stripe_clean, intents) == expected
    with Session(committed) as s:
        donations = s.scalars(select(Donation).where(Donation.project_id == project_id)).all()
        assert {d.status for d in donations} == {"refunded"}
        assert all(d.final_at is None and d.refunded_at is not None for d in donations)
        keys = set(s.scalars(select(PaymentAttempt.key)))
        assert keys == {f"donation:{d.id}:refund" for d in donations}
        assert s.scalar(select(func.count(Shipment.id))) == 0


def test_missed_keep_campaign_keeps_donations(committed: Engine, worker: RunningWorker) -> None:
    """A missed `keep` campaign keeps every donation paid and final; nothing is refunded."""
    project_id = seed_campaign(committed, count=4, funded=False, miss_policy="keep")
    closing.settle_due(datetime.now(UTC))
    worker.wait_for(lambda: status_of(committed, project_id) == "settled", timeout=60)
    with Session(committed) as s:
        donations = s.scalars(select(Donation).where(Donation.project_id == project_id)).all()
        assert {d.status for d in donations} == {"paid"}
        assert all(d.final_at is not None for d in donations)
        assert s.scalar(select(func.count(PaymentAttempt.id))) == 0
        assert s.scalar(select(Project.outcome).where(Project.id == project_id)) == "missed"


def _partial(engine: Engine, project_id: int) -> bool:
    p = closing.progress(project_id)
    return 0 < p.done < p.total


def _mid_chunk(engine: Engine, project_id: int) -> bool:
    """Some donations are done and another chunk's transaction has written but not committed
    (a backend holding a transaction id): killing now loses work in flight."""
    if not _partial(engine, project_id):
        return False
    with engine.connect() as conn:
        writing = conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            )
        )
    return bool(writing)


def _quiet(project_id: int, seconds: float = 2.0) -> bool:
    """No settlement progress for `seconds` (the queued chunks have all run)."""
    before = closing.progress(project_id)
    time.sleep(seconds)
    return closing.progress(project_id) == before


def _assert_nothing_twice(engine: Engine, project_id: int) -> None:
    with Session(engine) as s:
        per_donation = Counter(s.scalars(select(Shipment.donation_id)))
        assert not per_donation or max(per_donation.values()) == 1
        keys = Counter(s.scalars(select(LedgerEntry.key)))
        assert max(keys.values()) == 1
        refunds = Counter(
            s.scalars(select(PaymentAttempt.donation_id).where(PaymentAttempt.kind == "refund"))
        )
        assert not refunds or max(refunds.values()) == 1
        undone = s.scalar(
            select(func.count(Donation.id)).where(
                Donation.project_id == project_id, Donation.settlement_state != "done"
            )
        )
        assert undone == 0


def test_worker_killed_mid_settlement_finishes_after_restart(
    committed: Engine, worker: RunningWorker
) -> None:
    """SIGKILL during a 3,000-donation settlement, restart, sweep: all settled, nothing twice."""
    project_id = seed_campaign(committed, count=3_000)
    closing.settle_due(datetime.now(UTC))
    worker.wait_for(lambda: _mid_chunk(committed, project_id), timeout=60, every=0.01)
    worker.kill()
    assert status_of(committed, project_id) == "settling"
    worker.start(ping_task=False)  # the queue still holds chunks and receipt tasks
    # The killed worker's unacknowledged chunks come back only after the broker's visibility
    # timeout; the sweep finds their donations untouched for STALL_AFTER and sends them again.
    worker.wait_for(lambda: _quiet(project_id), timeout=60, every=0)
    recovery = closing.settle_due(datetime.now(UTC) + STALL_AFTER * 2)
    assert recovery.donations_sent > 0  # the killed worker's chunks were really lost
    worker.wait_for(lambda: status_of(committed, project_id) == "settled", timeout=120)
    _assert_nothing_twice(committed, project_id)
    with Session(committed) as s:
        assert s.scalar(select(func.count(Shipment.id))) == 3_000
        received = s.scalar(
            select(func.sum(LedgerEntry.amount_yen)).where(
                LedgerEntry.account == "donation_received"
            )
        )
        assert received == 30_000_000


def test_worker_killed_mid_refunds_refunds_nobody_twice(
    committed: Engine, worker: RunningWorker, stripe_clean: LocalStripe
) -> None:
    """SIGKILL while refunding: after restart every PaymentIntent is refunded exactly once."""
    amounts = [2_000 + i for i in range(40)]
    intents = paid_intents(stripe_clean, amounts)
    project_id = seed_campaign(
        committed, count=len(amounts), amounts=amounts, funded=False, payment_intents=intents
    )
    closing.settle_due(datetime.now(UTC))
    worker.wait_for(lambda: _mid_chunk(committed, project_id), timeout=60, every=0.01)
    worker.kill()
    worker.start(ping_task=False)  # the queue still holds chunks and receipt tasks
    recovery = closing.settle_due(datetime.now(UTC) + STALL_AFTER * 2)
    assert recovery.donations_sent > 0
    worker.wait_for(lambda: status_of(committed, project_id) == "settled", timeout=120)
    expected = {pi: [amount] for pi, amount in zip(intents, amounts, strict=True)}
    assert refunds_per_intent(stripe_clean, intents) == expected
    _assert_nothing_twice(committed, project_id)
