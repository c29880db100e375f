"""Projects as the API shows them: plain values with the campaign's phase at this moment, its
approved next goal and what its business offers donors' gifts, and what only the project's
business and staff may see (tier costs, local-product evidence, the story's source, the
rejection reason) left out (None) for everyone else."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from furusato.domain.campaign import clock_of
from furusato.domain.deliveries import GiftOffer
from furusato.domain.local_products import label as local_label
from furusato.domain.money import utcnow
from furusato.domain.states import Role
from furusato.models import Project, Tier, User
from furusato.services.campaigns import catalog, next_goals, projects
from furusato.services.campaigns.catalog_types import NextGoalShown
from furusato.services.fulfilment import gift_options
from furusato.services.uow import UnitOfWork

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

V = TypeVar("V", bound="DataclassInstance")


@dataclass(frozen=True)
class TierView:
    id: int
    project_id: int
    position: int
    amount_yen: int
    gift_name: str
    gift_description: str
    has_gift: bool
    quantity_limit: int | None
    remaining: int | None
    delivery_month: date | None
    delivery_months: tuple[date, ...]  # a 定期便's months; () for one delivery
    local_category: int | None
    local_category_label: str
    local_subitem: str | None  # 8号: i / ro / ha
    procurement_cost_yen: int | None  # insiders only
    shipping_cost_yen: int | None  # insiders only
    local_evidence: str | None  # insiders only
    general_price_yen: int | None  # insiders only (一般販売価格)
    local_value_added_yen: int | None  # insiders only (3号)
    lodging_price_yen: int | None  # insiders only (7号 宿泊, per person-night)
    processed_kind: str | None  # insiders only (熟成肉・精米)
    same_prefecture: bool | None  # insiders only
    local_review_note: str | None  # insiders only: why staff look at its item again


@dataclass(frozen=True)
class ImageView:
    id: int
    alt_text: str


@dataclass(frozen=True)
class ProjectView:
    id: int
    status: str
    phase: str
    business_id: int
    business_name: str
    title: str
    summary: str
    story_html: str
    category: str
    eligible_cost_yen: int
    subsidy_rate_percent: int
    target_yen: int
    cap_yen: int
    paid_total_yen: int
    paid_count: int
    starts_at: datetime | None
    deadline: datetime | None
    miss_policy: str
    fallback_purpose: str
    fallback_gift_note: str
    paused_reason: str
    submitted_at: datetime | None
    approved_at: datetime | None
    rejection_reason: str | None  # insiders only
    story_markdown: str | None  # insiders only
    tiers: tuple[TierView, ...]
    images: tuple[ImageView, ...]
    next_goal: NextGoalShown | None  # approved only (proposals: next_goals.for_project)
    gift_offer: GiftOffer  # what the business offers its donors' gifts


def load(actor: User | None, project_id: int) -> ProjectView:
    """The project, if the actor may see it (projects.load decides: 404, or 403 for another
    business)."""
    project = projects.load(actor, project_id)
    return _view(project, actor, utcnow(), _approved([project]))


def list_for(actor: User | None, status: str | None = None) -> list[ProjectView]:
    """A business sees its own projects, staff all, everyone else those past review."""
    moment = utcnow()
    found = projects.list_for(actor, status)
    goals = _approved(found)
    return [_view(p, actor, moment, goals) for p in found]


def _approved(found: list[Project]) -> dict[int, NextGoalShown]:
    """The approved next goals of these projects, in one statement."""
    by_id = {p.id: p for p in found}
    with UnitOfWork() as uow:
        goals = next_goals.approved_of(uow.session, list(by_id))
        return {pid: catalog.shown(goal, by_id[pid]) for pid, goal in goals.items()}


def _view(
    project: Project, actor: User | None, moment: datetime, goals: dict[int, NextGoalShown]
) -> ProjectView:
    insider = projects.is_owner(actor, project) or bool(actor and actor.role == Role.STAFF)
    return _of(
        ProjectView,
        project,
        phase=str(clock_of(project).phase(moment)),
        business_name=project.business.name,
        rejection_reason=project.rejection_reason if insider else None,
        story_markdown=project.story_markdown if insider else None,
        tiers=tuple(_tier(t, insider) for t in project.tiers),
        images=tuple(_of(ImageView, i) for i in project.images),
        next_goal=goals.get(project.id),
        gift_offer=gift_options.offer_of(project.business),
    )


def _tier(tier: Tier, insider: bool) -> TierView:
    return _of(
        TierView,
        tier,
        local_category_label=local_label(tier.local_category),
        delivery_months=tuple(tier.delivery_months or ()),
        procurement_cost_yen=tier.procurement_cost_yen if insider else None,
        shipping_cost_yen=tier.shipping_cost_yen if insider else None,
        local_evidence=tier.local_evidence if insider else None,
        **{name: getattr(tier, name) if insider else None for name in INSIDER_LOCAL_FACTS},
    )


INSIDER_LOCAL_FACTS = (
    "general_price_yen",
    "local_value_added_yen",
    "lodging_price_yen",
    "processed_kind",
    "same_prefecture",
    "local_review_note",
)


def _of(view: type[V], row: Any, **given: Any) -> V:
    """`view` with each field read from the row's attribute of the same name, or `given`."""
    names = (f.name for f in fields(view))
    return view(**{n: given[n] if n in given else getattr(row, n) for n in names})
