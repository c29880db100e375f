"""A late 3-D Secure success is recorded on both databases the platform runs on: PostgreSQL
(production, tests) and the embedded default's SQLite file, migrated by Alembic as `make run`
migrates it. No statement on the payment path may use a function only one of them has."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from furusato.db import engine_for, use_session_factory
from furusato.domain.money import utcnow
from furusato.migrate import upgrade
from furusato.models import Donation, Project, Receipt, Tier
from furusato.services.fulfilment import receipts
from furusato.services.giving import charges, reconcile
from tests.factories import make_project, make_tier
from tests.support.giving import pledge
from tests.support.localstripe import TEST_CARDS, LocalStripe


@pytest.fixture(params=["postgresql", "sqlite"])
def session(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Session]:
    """A session on PostgreSQL (the suite's database), or on a fresh SQLite file migrated
    with Alembic; every unit of work of the services runs on the same database."""
    if request.param == "postgresql":
        yield request.getfixturevalue("db")
        return
    engine = engine_for(f"sqlite:///{tmp_path / 'furusato.db'}")
    with engine.begin() as connection:
        upgrade(connection)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    use_session_factory(factory)
    s = factory()
    try:
        yield s
    finally:
        s.close()
        use_session_factory(None)
        engine.dispose()


def _three_d_secure_pledge(
    s: Session, ls: LocalStripe, project_id: int, tier_id: int, amount: int
) -> tuple[int, str]:
    """A pledge whose charge waits for 3-D Secure; returns its id and client secret."""
    made = pledge(project_id, tier_id=tier_id, amount_yen=amount)
    donation = s.get(Donation, made.id, populate_existing=True)
    assert donation is not None and donation.setup_intent_id
    card = ls.confirm_setup(donation.setup_intent_id, TEST_CARDS["3ds"])
    needs = charges.pay(made.id, card)
    assert needs.status == "requires_action" and needs.client_secret
    return made.id, needs.client_secret


def _lapse(s: Session, donation_id: int) -> None:
    s.execute(
        update(Donation)
        .where(Donation.id == donation_id)
        .values(reserved_until=utcnow() - timedelta(seconds=1))
    )
    s.commit()
    assert reconcile.expire(donation_id) is True


def test_a_late_three_d_secure_success_is_recorded(
    session: Session, stripe_clean: LocalStripe
) -> None:
    """A 3-D Secure payment completed after its reservation lapsed is recorded as paid, with
    its tier unit and cap room taken back, and its receipt numbered (a `keep` campaign's
    donation is final on payment), on PostgreSQL and on SQLite alike."""
    s = session
    project = make_project(s, tiers=0, miss_policy="keep")
    tier = make_tier(s, project, amount_yen=10_000, quantity_limit=5)
    s.commit()
    donation_id, secret = _three_d_secure_pledge(s, stripe_clean, project.id, tier.id, 10_000)
    _lapse(s, donation_id)
    stripe_clean.authenticate(secret.split("_secret_")[0], secret)
    assert reconcile.check(donation_id) == "succeeded"
    paid = s.get(Donation, donation_id, populate_existing=True)
    assert paid is not None and paid.status == "paid" and paid.tier_id == tier.id
    assert s.get(Tier, tier.id, populate_existing=True).reserved_count == 1  # type: ignore[union-attr]
    counted = s.get(Project, project.id, populate_existing=True)
    assert counted is not None
    assert (counted.reserved_total_yen, counted.paid_total_yen) == (10_000, 10_000)
    receipt_id = receipts.issue_receipt(donation_id)
    receipt = s.get(Receipt, receipt_id)
    assert receipt is not None and receipt.number == f"{paid.tax_year}-000001"


def test_a_late_success_beyond_the_cap_stops_the_counter_at_the_cap(
    session: Session, stripe_clean: LocalStripe
) -> None:
    """When others took the room meanwhile, a late success is still recorded and the
    campaign's reserved total stops at its cap (the CHECK constraint holds), on both."""
    s = session
    project = make_project(s, tiers=0, eligible_cost_yen=12_000)  # cap 30,000 at 40 %
    tier = make_tier(s, project, amount_yen=10_000)
    s.commit()
    assert project.cap_yen == 30_000
    late_id, secret = _three_d_secure_pledge(s, stripe_clean, project.id, tier.id, 10_000)
    _lapse(s, late_id)
    pledge(project.id, tier_id=tier.id, amount_yen=10_000)
    pledge(project.id, tier_id=tier.id, amount_yen=15_000)  # 5,000 short of the cap
    stripe_clean.authenticate(secret.split("_secret_")[0], secret)
    assert reconcile.check(late_id) == "succeeded"
    late = s.get(Donation, late_id, populate_existing=True)
    assert late is not None and late.status == "paid"
    capped = s.get(Project, project.id, populate_existing=True)
    assert capped is not None and capped.reserved_total_yen == 30_000
