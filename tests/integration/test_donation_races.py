"""Concurrent donors against real commits: stock, cap and exactly-once under contention."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from furusato.models import Donation, PaymentAttempt, Project, Tier
from furusato.services.errors import Conflict
from furusato.services.giving import charges
from tests.factories import make_project, make_tier
from tests.support.giving import donor, pledge
from tests.support.localstripe import TEST_CARDS, LocalStripe


def _race(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """Run fn(i) in n threads released at the same moment; results or the exceptions raised."""
    barrier = Barrier(n)

    def run(i: int) -> Any:
        barrier.wait()
        try:
            return fn(i)
        except Exception as exc:  # the outcome under test
            return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_fifty_donors_race_for_the_last_unit(committed: Engine, stripe_clean: LocalStripe) -> None:
    """Fifty simultaneous pledges for a tier with one unit left: exactly one gets it."""
    with Session(committed) as s:
        project = make_project(s, tiers=0)
        tier = make_tier(s, project, amount_yen=10_000, quantity_limit=3, reserved_count=2)
        s.commit()
        project_id, tier_id = project.id, tier.id
    results = _race(50, lambda i: pledge(project_id, tier_id=tier_id, amount_yen=10_000))
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, Conflict) and r.code == "sold_out" for r in losers)
    with Session(committed) as s:
        assert s.get(Tier, tier_id).reserved_count == 3  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(Donation)) == 1
        assert s.get(Project, project_id).reserved_total_yen == 10_000  # type: ignore[union-attr]


def test_the_cap_holds_under_contention(committed: Engine, stripe_clean: LocalStripe) -> None:
    """Twenty donors pledging 30,000 yen at once into 100,000 of room: three fit, no more."""
    with Session(committed) as s:
        project = make_project(s, eligible_cost_yen=40_000, tiers=0)  # cap 100,000
        s.commit()
        project_id = project.id
    results = _race(20, lambda i: pledge(project_id, amount_yen=30_000))
    assert sum(not isinstance(r, Exception) for r in results) == 3
    with Session(committed) as s:
        reserved = s.get(Project, project_id).reserved_total_yen  # type: ignore[union-attr]
        assert reserved == 90_000


def test_double_submit_makes_one_donation_and_one_charge(
    committed: Engine, stripe_clean: LocalStripe
) -> None:
    """The same form posted five times at once, then paid by five clicks at once: one donation,
    one charge attempt, one PaymentIntent at the gateway."""
    with Session(committed) as s:
        project = make_project(s)
        s.commit()
        project_id, tier_id = project.id, project.tiers[0].id
    details = donor()
    made = _race(5, lambda i: pledge(project_id, tier_id=tier_id, details=details, key="form:x"))
    assert len({m.id for m in made}) == 1, made
    donation_id = made[0].id
    with Session(committed) as s:
        donation = s.get(Donation, donation_id)
        assert donation is not None and donation.setup_intent_id
        customer = donation.stripe_customer_id
        card = stripe_clean.confirm_setup(donation.setup_intent_id, TEST_CARDS["visa"])
    outcomes = _race(5, lambda i: charges.pay(donation_id, card))
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert {o.status for o in outcomes} <= {"paid", "processing"}
    with Session(committed) as s:
        attempts = s.scalar(
            select(func.count())
            .select_from(PaymentAttempt)
            .where(PaymentAttempt.donation_id == donation_id)
        )
        assert attempts == 1
        assert s.get(Donation, donation_id).status == "paid"  # type: ignore[union-attr]
        assert s.get(Project, project_id).paid_count == 1  # type: ignore[union-attr]
    assert len(stripe_clean.payment_intents(customer=customer)) == 1
