"""Refunds of a missed campaign against localstripe: once per donation, even across crashes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from furusato.models import (
    AuditLog,
    Donation,
    LedgerEntry,
    OutboundEmail,
    PaymentAttempt,
    Payout,
    Project,
)
from furusato.payments import GatewayUnavailable, get_gateway, set_gateway
from furusato.payments.stripe_gateway import StripeGateway
from furusato.services.settlement import closing, refunds, work
from tests.conftest import TaskRecorder
from tests.factories import make_donation, make_project, make_user
from tests.support.localstripe import LocalStripe
from tests.support.settlement import seed_campaign

NOW = datetime.now(UTC)


def intent(stripe: LocalStripe, amount: int) -> str:
    pi = stripe.client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "jpy",
            "payment_method": stripe.payment_method(),
            "confirm": True,
        }
    )
    return str(pi.id)


def refunded_amounts(stripe: LocalStripe, pi: str) -> list[int]:
    return [int(r.amount) for r in stripe.client.v1.refunds.list(params={"payment_intent": pi})]


def missed(db: Session, stripe: LocalStripe, amounts: list[int]) -> tuple[Project, list[Donation]]:
    project = make_project(db, deadline=NOW - timedelta(minutes=1), miss_policy="refund")
    donations = [
        make_donation(db, project, amount_yen=a, payment_intent_id=intent(stripe, a))
        for a in amounts
    ]
    return project, donations


def test_refunds_mail_donors_and_balance_the_ledger(
    db: Session, stripe_clean: LocalStripe, sent_tasks: TaskRecorder
) -> None:
    """Each donor of a missed `refund` campaign is refunded, mailed once; no receipt task."""
    project, donations = missed(db, stripe_clean, [3_000, 4_000])
    closing.settle_due(NOW)
    for _, (project_id, ids) in [t for t in sent_tasks.sent if t[0] == closing.CHUNK_TASK]:
        work.run_chunk(project_id, ids)
    db.expire_all()
    assert project.status == "settled" and project.outcome == "missed"
    for d in donations:
        assert d.status == "refunded" and refunded_amounts(
            stripe_clean, d.payment_intent_id or ""
        ) == [d.amount_yen]
    mails = db.scalars(select(OutboundEmail.key)).all()
    assert sorted(mails) == sorted(f"donation:{d.id}:refunded" for d in donations)
    assert work.RECEIPT_TASK not in sent_tasks.names()
    assert db.scalar(select(func.count(Payout.id))) == 0


def test_started_attempt_left_by_a_crash_is_asked_about_not_refunded_again(
    db: Session, stripe_clean: LocalStripe
) -> None:
    """A `started` refund attempt whose gateway call went through is completed without a
    second refund: the retry asks the gateway first."""
    project, (d,) = missed(db, stripe_clean, [5_000])
    project.status, project.outcome = "settling", "missed"
    d.settlement_state = "pending"
    key = f"donation:{d.id}:refund"
    db.add(PaymentAttempt(donation_id=d.id, kind="refund", key=key, amount_yen=5_000))
    db.flush()
    # The crashed worker's call reached the gateway; its answer was never written down.
    get_gateway().refund(
        payment_intent_id=d.payment_intent_id or "", amount_yen=5_000, idempotency_key=key
    )
    assert refunds.refund_one(project.id, d.id) == "refunded"
    assert refunded_amounts(stripe_clean, d.payment_intent_id or "") == [5_000]
    attempt = db.scalar(select(PaymentAttempt).where(PaymentAttempt.key == key))
    assert attempt is not None and attempt.status == "succeeded"


def test_started_attempt_whose_call_never_left_is_refunded_once(
    db: Session, stripe_clean: LocalStripe
) -> None:
    """A `started` attempt the gateway never saw is refunded, with the same key."""
    project, (d,) = missed(db, stripe_clean, [6_000])
    project.status, project.outcome = "settling", "missed"
    d.settlement_state = "pending"
    db.add(
        PaymentAttempt(
            donation_id=d.id, kind="refund", key=f"donation:{d.id}:refund", amount_yen=6_000
        )
    )
    db.flush()
    assert refunds.refund_one(project.id, d.id) == "refunded"
    assert refunds.refund_one(project.id, d.id) == "skipped"
    assert refunded_amounts(stripe_clean, d.payment_intent_id or "") == [6_000]
    assert db.scalar(select(func.count(PaymentAttempt.id))) == 1


def test_refused_refund_is_held_for_staff_not_retried_by_the_sweep(
    db: Session, stripe_clean: LocalStripe, sent_tasks: TaskRecorder
) -> None:
    """An invalid-request refusal marks the donation failed; the sweep leaves it to staff, and
    a staff retry (audited) tries again under a new key."""
    project = make_project(db, deadline=NOW - timedelta(minutes=1), miss_policy="refund")
    d = make_donation(db, project, payment_intent_id="pi_does_not_exist")
    closing.settle_due(NOW)
    for _, (project_id, ids) in [t for t in sent_tasks.sent if t[0] == closing.CHUNK_TASK]:
        work.run_chunk(project_id, ids)
    db.expire_all()
    assert d.settlement_state == "failed" and d.status == "paid" and project.status == "settling"
    sent_tasks.sent.clear()
    later = closing.settle_due(NOW + timedelta(hours=1))
    assert later.donations_sent == 0 and project.id not in later.settled
    staff = make_user(db, "staff")
    assert closing.retry_failed(project.id, staff) == 1
    assert sent_tasks.sent == [(closing.CHUNK_TASK, (project.id, [d.id]))]
    work.run_chunk(project.id, [d.id])
    keys = db.scalars(select(PaymentAttempt.key).order_by(PaymentAttempt.id)).all()
    assert keys == [f"donation:{d.id}:refund", f"donation:{d.id}:refund:2"]
    assert (
        db.scalar(select(AuditLog.actor_id).where(AuditLog.action == "settlement.retry_failed"))
        == staff.id
    )


def test_two_concurrent_sweeps_settle_once(committed: Engine, sent_tasks: TaskRecorder) -> None:
    """Two sweeps started at the same instant close and decide the campaign once; running
    both sweeps' chunks (twice over) books nothing twice."""
    project_id = seed_campaign(committed, count=1_200)
    barrier = threading.Barrier(2)
    reports: list[closing.SettleReport] = []

    def sweep() -> None:
        barrier.wait()
        reports.append(closing.settle_due(datetime.now(UTC)))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(r.closed) for r in reports) == 1
    assert sum(len(r.decided) for r in reports) == 1
    chunks = [args for name, args in sent_tasks.sent if name == closing.CHUNK_TASK]
    runners = [threading.Thread(target=work.run_chunk, args=args) for args in chunks * 2]
    for t in runners:
        t.start()
    for t in runners:
        t.join()
    with Session(committed) as s:
        assert s.scalar(select(Project.status).where(Project.id == project_id)) == "settled"
        assert s.scalar(select(func.count(Payout.id))) == 1
        receipts = [
            i for n, a in sent_tasks.sent if n == work.RECEIPT_TASK for i in a[0]
        ]
        assert len(receipts) == len(set(receipts)) == 1_200
        settled = s.scalar(
            select(func.count(AuditLog.id)).where(AuditLog.action == "campaign.settled")
        )
        assert settled == 1


def test_gateway_outage_keeps_the_key_and_the_sweep_refunds_once_later(
    committed: Engine, stripe_clean: LocalStripe, sent_tasks: TaskRecorder
) -> None:
    """An unreachable gateway leaves the attempt `unknown` and the donation pending; after the
    task gives up, the sweep sends it again and it is refunded once, under the same key."""
    pi = intent(stripe_clean, 8_000)
    project_id = seed_campaign(
        committed, count=1, amounts=[8_000], funded=False, payment_intents=[pi]
    )
    closing.settle_due(datetime.now(UTC))
    with Session(committed) as s:
        donation_id = s.scalar(select(Donation.id).where(Donation.project_id == project_id))
    assert donation_id is not None
    set_gateway(StripeGateway("sk_test_x", "pk_test_x", "whsec_x", api_base="http://127.0.0.1:9"))
    try:
        with pytest.raises(GatewayUnavailable):
            work.run_chunk(project_id, [donation_id])
    finally:
        set_gateway(None)
    with Session(committed) as s:
        attempt = s.scalar(select(PaymentAttempt))
        assert attempt is not None and (attempt.status, attempt.key) == (
            "unknown",
            f"donation:{donation_id}:refund",
        )
    # The chunk task's retries are exhausted: it marks the donation failed (transient).
    work.mark_failed(project_id, [donation_id], "gateway_unavailable", "down")
    sent_tasks.sent.clear()
    again = closing.settle_due(datetime.now(UTC))
    assert sent_tasks.sent == [(closing.CHUNK_TASK, (project_id, [donation_id]))]
    assert again.donations_sent == 1
    work.run_chunk(project_id, [donation_id])
    assert refunded_amounts(stripe_clean, pi) == [8_000]
    with Session(committed) as s:
        assert s.scalar(select(func.count(PaymentAttempt.id))) == 1
        assert s.scalar(select(Project.status).where(Project.id == project_id)) == "settled"


def test_payment_confirmed_after_settlement_is_refunded_too(
    db: Session, stripe_clean: LocalStripe, sent_tasks: TaskRecorder
) -> None:
    """A pledge paid late (after its campaign settled as missed/refund) is refunded by the
    next sweep, and the city's share is rebalanced under a new key."""
    project, _ = missed(db, stripe_clean, [3_000])
    closing.settle_due(NOW)
    for _, args in [t for t in sent_tasks.sent if t[0] == closing.CHUNK_TASK]:
        work.run_chunk(*args)
    db.expire_all()
    assert project.status == "settled"
    late = make_donation(
        db, project, amount_yen=4_000, fee_yen=144, payment_intent_id=intent(stripe_clean, 4_000)
    )
    sent_tasks.sent.clear()
    report = closing.settle_due(NOW + timedelta(minutes=1))
    assert report.donations_sent == 1
    for _, args in [t for t in sent_tasks.sent if t[0] == closing.CHUNK_TASK]:
        work.run_chunk(*args)
    db.expire_all()
    assert late.status == "refunded" and late.settlement_state == "done"
    assert refunded_amounts(stripe_clean, late.payment_intent_id or "") == [4_000]
    shares = db.scalars(
        select(LedgerEntry.key).where(LedgerEntry.account == "city_share").order_by(LedgerEntry.id)
    ).all()
    assert shares == [f"project:{project.id}:city_share", f"project:{project.id}:city_share:2"]
    total = db.scalar(
        select(func.sum(LedgerEntry.amount_yen)).where(LedgerEntry.project_id == project.id)
    )
    assert total == 0
