"""What the catalog returns: frozen, ORM-free values the web layer may cache and render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from furusato.domain import charts
from furusato.domain.campaign import Phase
from furusato.domain.deliveries import GiftOffer
from furusato.domain.next_goal import NextGoalProgress
from furusato.domain.states import MissPolicy
from furusato.services.campaigns.cheers import CheerShown
from furusato.services.campaigns.updates import UpdateShown

PER_PAGE = 12


class Sort(StrEnum):
    NEW = "new"  # newest first (start date)
    ENDING = "ending"  # open campaigns by nearest deadline, then the closed ones
    POPULAR = "popular"  # most supporters (paid_count)
    NEAR_TARGET = "near_target"  # not yet funded first, nearest to the target first


@dataclass(frozen=True)
class ListQuery:
    text: str = ""
    category: str = ""
    sort: Sort = Sort.NEW
    page: int = 1
    open_only: bool = False


@dataclass(frozen=True)
class ImageView:
    id: int
    alt: str
    width: int = 0
    height: int = 0

    @property
    def thumb_url(self) -> str:
        # Served by the images route (another area); referenced by URL only.
        return f"/images/{self.id}/thumb"

    @property
    def large_url(self) -> str:
        return f"/images/{self.id}/large"


@dataclass(frozen=True)
class Progress:
    paid_total_yen: int
    paid_count: int
    target_yen: int
    cap_yen: int

    @property
    def percent(self) -> int:
        """Share of the target raised, in whole percent (may pass 100)."""
        if self.target_yen <= 0:
            return 100
        return self.paid_total_yen * 100 // self.target_yen

    @property
    def bar_percent(self) -> int:
        return min(self.percent, 100)

    @property
    def funded(self) -> bool:
        """目標達成: the paid total covers the target (the subsidy covers half the cost)."""
        return self.paid_total_yen >= self.target_yen

    @property
    def meter(self) -> charts.Meter:
        """The bar toward the cap, with the target marked (the project page's picture)."""
        return charts.meter(self.paid_total_yen, self.target_yen, self.cap_yen)


@dataclass(frozen=True)
class ProjectCard:
    id: int
    title: str
    summary: str
    category: str
    business_name: str
    thumbnail: ImageView | None
    progress: Progress
    phase: Phase
    starts_at: datetime | None
    deadline: datetime | None
    days_left: int | None


@dataclass(frozen=True)
class CatalogPage:
    query: ListQuery
    cards: tuple[ProjectCard, ...]
    total: int
    page: int
    pages: int

    @property
    def first(self) -> int:
        """1-based position of the first card on this page (0 when there is none)."""
        return (self.page - 1) * PER_PAGE + 1 if self.cards else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * PER_PAGE + len(self.cards)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass(frozen=True)
class HomeData:
    live: tuple[ProjectCard, ...]
    ending_soon: tuple[ProjectCard, ...]
    live_count: int


@dataclass(frozen=True)
class TierView:
    id: int
    amount_yen: int
    gift_name: str
    gift_description: str
    delivery_month: Any
    quantity_limit: int | None
    remaining: int | None
    delivery_months: tuple[Any, ...] = ()  # a 定期便's months (first days); () for one delivery

    @property
    def sold_out(self) -> bool:
        return self.remaining == 0

    @property
    def deliveries(self) -> int:
        return max(len(self.delivery_months), 1)


@dataclass(frozen=True)
class NextGoalShown:
    """An approved next goal as the public sees it (domain/next_goal.py: a milestone only)."""

    id: int
    amount_yen: int
    reason: str
    approved_at: datetime | None
    progress: NextGoalProgress


@dataclass(frozen=True)
class ProjectDetail:
    id: int
    title: str
    summary: str
    story_html: str  # sanitised when written (services/campaigns/story.py); rendered as is
    category: str
    business_name: str
    images: tuple[ImageView, ...]
    tiers: tuple[TierView, ...]
    eligible_cost_yen: int
    subsidy_rate_percent: int
    progress: Progress
    miss_policy: MissPolicy
    fallback_purpose: str
    fallback_gift_note: str
    phase: Phase
    paused_reason: str
    starts_at: datetime | None
    deadline: datetime | None
    days_left: int | None
    room_yen: int
    next_goal: NextGoalShown | None = None
    gift_offer: GiftOffer = field(default_factory=GiftOffer)
    updates: tuple[UpdateShown, ...] = ()  # published, in time order
    messages: tuple[CheerShown, ...] = ()  # approved, newest first

    @property
    def accepts_donations(self) -> bool:
        return self.phase == Phase.LIVE

    @property
    def receipt_waits_for_target(self) -> bool:
        """A `refund` campaign below target: receipts wait until it is reached (or never come)."""
        return (
            self.miss_policy == MissPolicy.REFUND
            and not self.progress.funded
            and self.phase in (Phase.SCHEDULED, Phase.LIVE, Phase.PAUSED)
        )

    @property
    def missed_and_refunding(self) -> bool:
        return (
            self.miss_policy == MissPolicy.REFUND
            and not self.progress.funded
            and self.phase in (Phase.ENDED, Phase.SETTLING, Phase.SETTLED)
        )
