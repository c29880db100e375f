"""One bad item never stops a sweep for the others, on the real worker: a stored PaymentIntent
id the gateway answers 404 for is logged and counted, and the sweep heals and expires the
rest (reconcile), or refunds the rest (a settlement chunk)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from furusato.domain.money import utcnow
from furusato.models import Donation, PaymentAttempt
from furusato.services.giving import charges
from furusato.services.settlement import closing
from tests.factories import make_donation, make_project
from tests.support.gateway_events import foreign_intent
from tests.support.giving import pledge
from tests.support.localstripe import TEST_CARDS, LocalStripe
from tests.support.settlement import seed_campaign
from tests.support.worker import RunningWorker

pytestmark = pytest.mark.worker

GONE = "pi_the_gateway_never_heard_of"


def _donation(engine: Engine, donation_id: int) -> Donation:
    with Session(engine) as s:
        donation = s.get(Donation, donation_id)
        assert donation is not None
        s.expunge(donation)
        return donation


def _attempts(engine: Engine, donation_id: int) -> list[tuple[str, str | None]]:
    with Session(engine) as s:
        rows = s.execute(
            select(PaymentAttempt.status, PaymentAttempt.gateway_object_id)
            .where(PaymentAttempt.donation_id == donation_id)
            .order_by(PaymentAttempt.id)
        ).all()
        return [(status, object_id) for status, object_id in rows]


def test_reconcile_goes_on_past_an_attempt_the_gateway_answers_404_for(
    committed: Engine, worker: RunningWorker, stripe_clean: LocalStripe
) -> None:
    """The reconcile sweep meets first a pending donation whose stored PaymentIntent id the
    gateway does not know: that one is counted failed and left as it was, and the sweep still
    records a 3-D Secure payment completed meanwhile and expires a lapsed pledge."""
    with Session(committed) as s:
        project = make_project(s)
        stuck = make_donation(s, project, status="pending_payment", tier=None, amount_yen=5_000)
        s.add(
            PaymentAttempt(
                donation_id=stuck.id,
                kind="charge",
                key=f"donation:{stuck.id}:charge:1",
                status="unknown",
                amount_yen=5_000,
                gateway_object_id=GONE,
            )
        )
        s.commit()
        project_id, stuck_id = project.id, stuck.id
    healed = pledge(project_id, amount_yen=7_000)
    card = stripe_clean.confirm_setup(
        _donation(committed, healed.id).setup_intent_id or "", TEST_CARDS["3ds"]
    )
    needs = charges.pay(healed.id, card)
    assert needs.status == "requires_action" and needs.client_secret
    stripe_clean.authenticate(needs.client_secret.split("_secret_")[0], needs.client_secret)
    lapsed = pledge(project_id, amount_yen=9_000, card_setup=False)
    with Session(committed) as s:
        row = s.get(Donation, lapsed.id)
        assert row is not None
        row.reserved_until = utcnow() - timedelta(minutes=1)
        s.commit()
    assert stuck_id < healed.id < lapsed.id  # the bad one comes first

    sweep = worker.app.send_task("furusato.reconcile_payments", ignore_result=False)
    try:
        counts = sweep.get(timeout=60)
    finally:
        sweep.forget()
    assert counts == {"checked": 1, "expired": 1, "failed": 1}
    assert _donation(committed, healed.id).status == "paid"
    assert _donation(committed, lapsed.id).status == "expired"
    assert _donation(committed, stuck_id).status == "pending_payment"
    assert _attempts(committed, stuck_id) == [("unknown", GONE)]
    assert f"item {stuck_id} failed" in worker.log()


def test_a_refund_chunk_goes_on_past_a_payment_the_gateway_answers_404_for(
    committed: Engine, worker: RunningWorker, stripe_clean: LocalStripe
) -> None:
    """A missed `refund` campaign whose first donation's PaymentIntent is unknown to the
    gateway (its refund attempt left `unknown` by a crash, so the gateway is asked first):
    that donation is marked failed for staff with the reason, and the next one is refunded."""
    real = foreign_intent(stripe_clean, amount=7_000)
    project_id = seed_campaign(
        committed, count=2, amounts=[5_000, 7_000], funded=False, payment_intents=[GONE, real]
    )
    with Session(committed) as s:
        first, second = s.scalars(
            select(Donation.id).where(Donation.project_id == project_id).order_by(Donation.id)
        ).all()
        s.add(
            PaymentAttempt(
                donation_id=first,
                kind="refund",
                key=f"donation:{first}:refund",
                status="unknown",
                amount_yen=5_000,
            )
        )
        s.commit()
    closing.settle_due(datetime.now(UTC))

    def both_handled() -> bool:
        return _donation(committed, second).status == "refunded" and (
            _donation(committed, first).settlement_state == "failed"
        )

    worker.wait_for(both_handled, timeout=45)
    failed = _donation(committed, first)
    assert failed.status == "paid" and failed.settlement_error.startswith("error: PaymentNotFound")
    refunds = stripe_clean.client.v1.refunds.list(params={"payment_intent": real})
    assert [int(r.amount) for r in refunds] == [7_000]
