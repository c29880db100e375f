"""Read-only queries for browsing: the public project list, the home page and a project page.

Only campaigns past review are shown (scheduled, live, paused, ended, settling, settled); drafts
and campaigns in review never leave this module. Results are frozen dataclasses, not ORM rows,
(catalog_types.py), so the web layer may cache them briefly and render them after the session
is closed. Each function runs a fixed number of statements however many projects it returns
(no N+1): the business is joined, images come with one `selectinload` that reads ids only
(never the image bytes), and tiers and the approved next goal with one more each on the
project page.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, contains_eager, load_only, selectinload

from furusato.domain.campaign import clock_of, days_left
from furusato.domain.money import utcnow
from furusato.domain.search import fold
from furusato.domain.states import CampaignStatus, MissPolicy
from furusato.models import Business, NextGoal, Project, ProjectImage, Tier
from furusato.services.campaigns import cheers, next_goals, updates
from furusato.services.campaigns.catalog_types import (
    PER_PAGE,
    CatalogPage,
    HomeData,
    ImageView,
    ListQuery,
    NextGoalShown,
    Progress,
    ProjectCard,
    ProjectDetail,
    Sort,
    TierView,
)
from furusato.services.errors import NotFound
from furusato.services.fulfilment import gift_options
from furusato.services.uow import UnitOfWork

PUBLIC_STATUSES = tuple(
    str(s) for s in CampaignStatus if s not in (CampaignStatus.DRAFT, CampaignStatus.SUBMITTED)
)
MAX_QUERY_WORDS = 5
HOME_LIMIT = 6
ENDING_SOON_LIMIT = 3


# --- queries -------------------------------------------------------------------------------


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search(text: str) -> list[ColumnElement[bool]]:
    """Every word must appear in the title, summary, story or business name. The project's
    text is kept folded (domain/search.py) and the word is folded alike, so ひらがな, カタカナ,
    half-width kana, full-width letters and case do not matter."""
    conditions: list[ColumnElement[bool]] = []
    for word in text.split()[:MAX_QUERY_WORDS]:
        folded = f"%{_escape_like(fold(word))}%"
        as_typed = f"%{_escape_like(word)}%"
        conditions.append(
            or_(
                Project.search_text.like(folded, escape="\\"),
                Business.name.ilike(as_typed, escape="\\"),
                Business.name.ilike(folded, escape="\\"),
            )
        )
    return conditions


def _live(now: datetime) -> ColumnElement[bool]:
    """The SQL form of Phase.LIVE (domain/campaign.py)."""
    return and_(
        Project.status == CampaignStatus.APPROVED,
        or_(Project.starts_at.is_(None), Project.starts_at <= now),
        or_(Project.deadline.is_(None), Project.deadline > now),
        or_(Project.cap_yen == 0, Project.reserved_total_yen < Project.cap_yen),
    )


def _filters(query: ListQuery, now: datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Project.status.in_(PUBLIC_STATUSES)]
    conditions += _search(query.text)
    if query.category:
        conditions.append(Project.category == query.category)
    if query.open_only:
        conditions.append(_live(now))
    return conditions


def _order(sort: Sort, now: datetime) -> list[Any]:
    if sort == Sort.ENDING:
        still_open = and_(
            Project.status.in_((CampaignStatus.APPROVED, CampaignStatus.PAUSED)),
            or_(Project.deadline.is_(None), Project.deadline > now),
        )
        return [
            case((still_open, 0), else_=1),
            Project.deadline.asc().nulls_last(),
            Project.id.desc(),
        ]
    if sort == Sort.POPULAR:
        return [Project.paid_count.desc(), Project.paid_total_yen.desc(), Project.id.desc()]
    if sort == Sort.NEAR_TARGET:
        funded = case((Project.paid_total_yen >= Project.target_yen, 1), else_=0)
        # Integer basis points of the target: exact enough to order, same on PostgreSQL/SQLite.
        ratio = Project.paid_total_yen * 10_000 / func.nullif(Project.target_yen, 0)
        return [funded.asc(), ratio.desc().nulls_last(), Project.id.desc()]
    return [
        func.coalesce(Project.starts_at, Project.created_at).desc(),
        Project.id.desc(),
    ]


_CARD_COLUMNS = (
    Project.id,
    Project.title,
    Project.summary,
    Project.category,
    Project.status,
    Project.starts_at,
    Project.deadline,
    Project.target_yen,
    Project.cap_yen,
    Project.paid_total_yen,
    Project.paid_count,
    Project.reserved_total_yen,
    Project.created_at,
)


def _card_select() -> Select[Project]:
    return (
        select(Project)
        .join(Project.business)
        .options(
            load_only(*_CARD_COLUMNS),
            contains_eager(Project.business).load_only(Business.id, Business.name),
            selectinload(Project.images).load_only(
                ProjectImage.id, ProjectImage.position, ProjectImage.alt_text
            ),
        )
    )


def _images(project: Project, with_size: bool = False) -> tuple[ImageView, ...]:
    return tuple(
        ImageView(
            id=image.id,
            alt=image.alt_text or project.title,
            width=image.width if with_size else 0,
            height=image.height if with_size else 0,
        )
        for image in project.images
    )


def _progress(project: Project) -> Progress:
    return Progress(
        paid_total_yen=project.paid_total_yen,
        paid_count=project.paid_count,
        target_yen=project.target_yen,
        cap_yen=project.cap_yen,
    )


def _card(project: Project, now: datetime) -> ProjectCard:
    images = _images(project)
    return ProjectCard(
        id=project.id,
        title=project.title,
        summary=project.summary,
        category=project.category,
        business_name=project.business.name,
        thumbnail=images[0] if images else None,
        progress=_progress(project),
        phase=clock_of(project).phase(now),
        starts_at=project.starts_at,
        deadline=project.deadline,
        days_left=days_left(project.deadline, now),
    )


def _cards(session: Session, stmt: Select[Project], now: datetime) -> list[ProjectCard]:
    return [_card(p, now) for p in session.scalars(stmt).unique()]


def cards_for(session: Session, project_ids: Collection[int], now: datetime) -> dict[int, ProjectCard]:
    """The public cards of these projects (those past review), by id, in the caller's session:
    for lists another service makes, such as a donor's followed campaigns."""
    if not project_ids:
        return {}
    stmt = _card_select().where(
        Project.id.in_(project_ids), Project.status.in_(PUBLIC_STATUSES)
    )
    return {card.id: card for card in _cards(session, stmt, now)}


def list_projects(query: ListQuery, now: datetime | None = None) -> CatalogPage:
    """One page of public projects matching the query; a page past the end shows the last."""
    now = now or utcnow()
    conditions = _filters(query, now)
    with UnitOfWork() as uow:
        total = uow.session.scalar(
            select(func.count(Project.id)).join(Project.business).where(*conditions)
        )
        total = int(total or 0)
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(query.page, 1), pages)
        stmt = (
            _card_select()
            .where(*conditions)
            .order_by(*_order(query.sort, now))
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
        cards = _cards(uow.session, stmt, now)
    return CatalogPage(query=query, cards=tuple(cards), total=total, page=page, pages=pages)


def home(now: datetime | None = None) -> HomeData:
    """Live campaigns (newest first) and the live ones closest to their deadline."""
    now = now or utcnow()
    with UnitOfWork() as uow:
        live = [Project.status.in_(PUBLIC_STATUSES), _live(now)]
        count = int(uow.session.scalar(select(func.count(Project.id)).where(*live)) or 0)
        newest = _cards(
            uow.session,
            _card_select().where(*live).order_by(*_order(Sort.NEW, now)).limit(HOME_LIMIT),
            now,
        )
        ending = _cards(
            uow.session,
            _card_select()
            .where(*live, Project.deadline.is_not(None))
            .order_by(Project.deadline.asc(), Project.id.desc())
            .limit(ENDING_SOON_LIMIT),
            now,
        )
    return HomeData(live=tuple(newest), ending_soon=tuple(ending), live_count=count)


def categories() -> tuple[str, ...]:
    """Categories that public projects use, for the filter."""
    with UnitOfWork() as uow:
        rows = uow.session.scalars(
            select(Project.category)
            .where(Project.status.in_(PUBLIC_STATUSES), Project.category != "")
            .distinct()
            .order_by(Project.category)
        )
        return tuple(rows)


def project_detail(project_id: int, now: datetime | None = None) -> ProjectDetail:
    """A public project with its business, images and tiers; NotFound for anything else."""
    now = now or utcnow()
    with UnitOfWork() as uow:
        project = uow.session.scalar(
            select(Project)
            .join(Project.business)
            .where(Project.id == project_id, Project.status.in_(PUBLIC_STATUSES))
            .options(
                contains_eager(Project.business).load_only(
                    Business.id,
                    Business.name,
                    Business.gift_carrier,
                    Business.delivery_windows,
                    Business.offers_gift_wrapping,
                    Business.offers_noshi,
                ),
                selectinload(Project.images).load_only(
                    ProjectImage.id,
                    ProjectImage.position,
                    ProjectImage.alt_text,
                    ProjectImage.width,
                    ProjectImage.height,
                ),
                selectinload(Project.tiers),
            )
        )
        if project is None:
            raise NotFound("プロジェクトが見つかりません。")
        clock = clock_of(project)
        goal = next_goals.approved_of(uow.session, [project.id]).get(project.id)
        return ProjectDetail(
            id=project.id,
            title=project.title,
            summary=project.summary,
            story_html=project.story_html,
            category=project.category,
            business_name=project.business.name,
            images=_images(project, with_size=True),
            tiers=tuple(_tier(t) for t in project.tiers),
            eligible_cost_yen=project.eligible_cost_yen,
            subsidy_rate_percent=project.subsidy_rate_percent,
            progress=_progress(project),
            miss_policy=MissPolicy(project.miss_policy),
            fallback_purpose=project.fallback_purpose,
            fallback_gift_note=project.fallback_gift_note,
            phase=clock.phase(now),
            paused_reason=project.paused_reason,
            starts_at=project.starts_at,
            deadline=project.deadline,
            days_left=days_left(project.deadline, now),
            room_yen=clock.room_yen(),
            next_goal=shown(goal, project) if goal is not None else None,
            gift_offer=gift_options.offer_of(project.business),
            updates=updates.listed(uow.session, project.id, published_only=True),
            messages=cheers.public(uow.session, project.id),
        )


def shown(goal: NextGoal, project: Project) -> NextGoalShown:
    """An approved next goal beside the campaign's paid total."""
    return NextGoalShown(
        id=goal.id,
        amount_yen=goal.amount_yen,
        reason=goal.reason,
        approved_at=goal.decided_at,
        progress=next_goals.progress_of(goal.amount_yen, project),
    )


def _tier(tier: Tier) -> TierView:
    return TierView(
        id=tier.id,
        amount_yen=tier.amount_yen,
        gift_name=tier.gift_name,
        gift_description=tier.gift_description,
        delivery_month=tier.delivery_month,
        quantity_limit=tier.quantity_limit,
        remaining=tier.remaining,
        delivery_months=tuple(tier.delivery_months or ()),
    )


__all__ = [
    "PER_PAGE",
    "CatalogPage",
    "HomeData",
    "ListQuery",
    "ProjectCard",
    "ProjectDetail",
    "Sort",
    "categories",
    "home",
    "list_projects",
    "project_detail",
]
