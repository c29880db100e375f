"""Demo data for the embedded default: `furusato seed-demo`, and `make run` on an empty database.

Rows are built with the models directly, with the counters a real donation flow keeps
(paid_total_yen, paid_count, reserved_total_yen, target_reached_at, tier reserved_count) and the
database constraints satisfied. Seeded donations have no gateway objects: they stand for
payments made before the demo began. Running it twice adds nothing the second time.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from typing import Any

import nh3
from markdown_it import MarkdownIt
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.demo.content import (
    ACCOUNTS,
    BUSINESSES,
    CAMPAIGNS,
    DEMO_PASSWORD,
    DONORS,
    DemoCampaign,
)
from furusato.demo.images import POSTERS, poster
from furusato.domain.money import basis_points, cap_yen, target_yen, tax_year, utcnow
from furusato.domain.states import CampaignStatus
from furusato.models import (
    Business,
    Donation,
    Project,
    ProjectImage,
    ProjectRevision,
    Tier,
    User,
)
from furusato.services import audit
from furusato.services.accounts import hash_password
from furusato.services.uow import UnitOfWork

SEED = 20261231


def seed() -> list[str]:
    """Load the demo (once) and return the console lines that describe it."""
    with UnitOfWork() as uow:
        session = uow.session
        first = ACCOUNTS[0].email
        if session.scalar(select(User.id).where(User.email == first)) is not None:
            return ["demo data already loaded", *account_lines()]
        now = utcnow()
        rng = random.Random(SEED)
        businesses = {b.key: _business(session, b) for b in BUSINESSES}
        # One hash for the one shared demo password (argon2 is slow on purpose).
        password_hash = hash_password(DEMO_PASSWORD)
        users = {a.key: _user(session, a, businesses, password_hash) for a in ACCOUNTS}
        projects = [
            _campaign(session, c, businesses[c.business], users, now, rng) for c in CAMPAIGNS
        ]
        uow.commit()
        lines = ["demo data loaded:"]
        lines += [f"  {_describe(p, now)}" for p in projects]
        return lines + account_lines()


def account_lines() -> list[str]:
    """The demo accounts, for the console (the password is the same for all: demo only)."""
    width = max(len(a.email) for a in ACCOUNTS)
    lines = [f"demo accounts (password for all: {DEMO_PASSWORD}):"]
    for account in ACCOUNTS:
        lines.append(f"  {account.role:<8} {account.email:<{width}}  {account.note}")
    return lines


def _business(session: Session, spec: Any) -> Business:
    business = Business(
        name=spec.name,
        representative=spec.representative,
        address=spec.address,
        phone=spec.phone,
        bank_code=spec.bank_code,
        bank_name_kana=spec.bank_name_kana,
        branch_code=spec.branch_code,
        branch_name_kana=spec.branch_name_kana,
        account_type="1",
        account_number=spec.account_number,
        account_holder_kana=spec.account_holder_kana,
    )
    session.add(business)
    return business


def _user(session: Session, spec: Any, businesses: dict[str, Business], password_hash: str) -> User:
    user = User(
        email=spec.email,
        password_hash=password_hash,
        role=spec.role,
        display_name=spec.display_name,
        business=businesses[spec.business] if spec.business else None,
    )
    session.add(user)
    session.flush()
    return user


def _render(markdown: str) -> str:
    return nh3.clean(MarkdownIt("commonmark").render(markdown))


def _campaign(
    session: Session,
    spec: DemoCampaign,
    business: Business,
    users: dict[str, User],
    now: datetime,
    rng: random.Random,
) -> Project:
    rate = get_settings().city.default_subsidy_rate_percent
    starts_at = now + timedelta(days=spec.start_offset_days)
    submitted_at = min(starts_at, now) - timedelta(days=5)
    staff = users["staff1"]
    approved = spec.stage != "review"
    project = Project(
        business=business,
        title=spec.title,
        summary=spec.summary,
        story_markdown=spec.story_markdown,
        story_html=_render(spec.story_markdown),
        category=spec.category,
        eligible_cost_yen=spec.eligible_cost_yen,
        subsidy_rate_percent=rate,
        target_yen=target_yen(spec.eligible_cost_yen, rate),
        cap_yen=cap_yen(spec.eligible_cost_yen, rate),
        starts_at=starts_at,
        deadline=now + timedelta(days=spec.deadline_offset_days),
        miss_policy=spec.miss_policy,
        fallback_purpose=spec.fallback_purpose,
        fallback_gift_note=spec.fallback_gift_note,
        status=str(CampaignStatus.APPROVED if approved else CampaignStatus.SUBMITTED),
        submitted_at=submitted_at,
        approved_at=submitted_at + timedelta(days=2) if approved else None,
        approved_by_id=staff.id if approved else None,
        created_at=submitted_at - timedelta(days=3),
        paid_total_yen=0,
        paid_count=0,
        reserved_total_yen=0,
    )
    for position, t in enumerate(spec.tiers):
        project.tiers.append(
            Tier(
                position=position,
                amount_yen=t.amount_yen,
                gift_name=t.gift_name,
                gift_description=t.gift_description,
                procurement_cost_yen=t.procurement_cost_yen,
                shipping_cost_yen=t.shipping_cost_yen,
                quantity_limit=t.quantity_limit,
                delivery_month=t.delivery_month,
                local_category=t.local_category,
                local_evidence=t.local_evidence,
                reserved_count=0,
            )
        )
    if spec.key in POSTERS:
        picture = poster(spec.key)
        project.images.append(
            ProjectImage(
                position=0,
                content_type=picture.content_type,
                large=picture.large,
                thumbnail=picture.thumbnail,
                width=picture.width,
                height=picture.height,
                alt_text=f"{POSTERS[spec.key][3]}のイメージ",
            )
        )
    session.add(project)
    session.flush()
    _revision(session, project, users[spec.business], staff if approved else None)
    if approved:
        audit.record(
            session,
            staff,
            "project.approve",
            "project",
            project.id,
            before={"status": "submitted"},
            after={"status": "approved"},
            note="demo data",
        )
    if spec.paid_share_percent:
        goal = project.target_yen * spec.paid_share_percent // 100
        _donations(session, project, goal, users["donor"], now, rng)
    return project


def _revision(session: Session, project: Project, by: User, decided_by: User | None) -> None:
    snapshot = {
        "title": project.title,
        "summary": project.summary,
        "story_markdown": project.story_markdown,
        "eligible_cost_yen": project.eligible_cost_yen,
        "subsidy_rate_percent": project.subsidy_rate_percent,
        "starts_at": project.starts_at.isoformat() if project.starts_at else None,
        "deadline": project.deadline.isoformat() if project.deadline else None,
        "miss_policy": project.miss_policy,
        "fallback_purpose": project.fallback_purpose,
        "tiers": [
            {
                "amount_yen": t.amount_yen,
                "gift_name": t.gift_name,
                "procurement_cost_yen": t.procurement_cost_yen,
                "shipping_cost_yen": t.shipping_cost_yen,
                "quantity_limit": t.quantity_limit,
                "local_category": t.local_category,
            }
            for t in project.tiers
        ],
    }
    session.add(
        ProjectRevision(
            project_id=project.id,
            number=1,
            snapshot=snapshot,
            submitted_by_id=by.id,
            submitted_at=project.submitted_at,
            decision="approved" if decided_by else None,
            decided_by_id=decided_by.id if decided_by else None,
            decided_at=project.approved_at,
        )
    )


def _donations(
    session: Session,
    project: Project,
    goal_yen: int,
    donor: User,
    now: datetime,
    rng: random.Random,
) -> None:
    """Paid donations adding up to at least `goal_yen`, spread over the campaign so far."""
    assert project.starts_at is not None
    fee_bp = get_settings().city.payment_fee_bp
    gift_tiers = [t for t in project.tiers if t.has_gift]
    plain = next((t for t in project.tiers if not t.has_gift), None)
    window = (now - timedelta(hours=1) - project.starts_at).total_seconds()
    times = sorted(
        project.starts_at + timedelta(seconds=rng.uniform(0, window)) for _ in range(400)
    )
    total = 0
    for n, paid_at in enumerate(times):
        if total >= goal_yen:
            break
        mine = n == 3  # the demo donor's own donation, to show on their page
        person = rng.choice(DONORS)
        resident = not mine and person[5] == get_settings().city.municipality_code
        tier: Tier | None
        if resident:
            tier, amount = plain, rng.choice((5_000, 10_000, 30_000))
        else:
            tier = rng.choice(gift_tiers) if gift_tiers else plain
            if tier and tier.remaining == 0:
                tier = plain
            amount = tier.amount_yen if tier else 10_000
        gift = bool(tier and tier.has_gift and not resident)
        if gift and tier is not None and tier.quantity_limit is not None:
            tier.reserved_count += 1  # a limited tier's count (reservations.take_unit)
        name = "山田 花子" if mine else f"{person[0]} {person[1]}"
        session.add(
            Donation(
                project=project,
                tier=tier,
                user_id=donor.id if mine else None,
                creation_key=f"demo:{project.id}:{n}",
                access_token=secrets.token_urlsafe(24),
                amount_yen=amount,
                gift=gift,
                resident=resident,
                status="paid",
                donor_name=name,
                donor_name_kana="ヤマダ ハナコ" if mine else person[2],
                email=donor.email if mine else f"donor{project.id}-{n}@example.jp",
                phone="090-0000-" + f"{n:04d}",
                postal_code=person[3],
                address=person[4],
                municipality_code=person[5],
                fee_yen=basis_points(amount, fee_bp),
                created_at=paid_at - timedelta(minutes=2),
                reserved_until=paid_at + timedelta(minutes=28),
                paid_at=paid_at,
                tax_year=tax_year(paid_at),
            )
        )
        before = total
        total += amount
        if before < project.target_yen <= total:
            project.target_reached_at = paid_at
        project.paid_count += 1
    project.paid_total_yen = total
    project.reserved_total_yen = total
    session.flush()


def _describe(project: Project, now: datetime) -> str:
    stage = project.status
    if project.status == CampaignStatus.APPROVED and project.starts_at and project.starts_at > now:
        stage = "scheduled"
    elif project.target_reached_at is not None:
        stage = "funded"
    elif project.status == CampaignStatus.APPROVED:
        assert project.deadline is not None
        hours = (project.deadline - now).total_seconds() / 3600
        stage = f"live, ends in {hours:.0f} h" if hours < 48 else "live"
    share = project.paid_total_yen * 100 // project.target_yen if project.target_yen else 0
    return f"#{project.id} {project.title} [{stage}] {share}% of target"
