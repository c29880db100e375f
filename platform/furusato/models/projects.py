"""Businesses, their projects (campaigns), gift tiers, images, submitted revisions and the
next goals a funded campaign's business proposes."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from furusato.domain import deliveries
from furusato.domain.money import utcnow
from furusato.domain.search import project_text
from furusato.domain.states import CampaignOutcome, CampaignStatus, MissPolicy, NextGoalStatus
from furusato.models.base import (
    Base,
    MonthList,
    Yen,
    created_at_column,
    state_check,
    state_column,
)

if TYPE_CHECKING:
    from furusato.models.accounts import User


class Business(Base):
    __tablename__ = "businesses"
    __table_args__ = (
        CheckConstraint("account_type IN ('1', '2', '4', '9')", name="account_type_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    representative: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    # Bank account for the subsidy (Zengin: 4-digit bank, 3-digit branch, 7-digit number).
    bank_code: Mapped[str] = mapped_column(String(4), default="")
    bank_name_kana: Mapped[str] = mapped_column(String(15), default="")
    branch_code: Mapped[str] = mapped_column(String(3), default="")
    branch_name_kana: Mapped[str] = mapped_column(String(15), default="")
    account_type: Mapped[str] = mapped_column(String(1), default="1")  # 1 普通 2 当座 4 貯蓄
    account_number: Mapped[str] = mapped_column(String(7), default="")
    account_holder_kana: Mapped[str] = mapped_column(String(30), default="")  # half-width
    # What the business offers its donors' gifts (domain/deliveries.py): the carrier whose
    # conventions its shipping CSV follows, the delivery windows it takes, 贈答包装 and のし.
    gift_carrier: Mapped[str] = mapped_column(String(10), default="", server_default="")
    delivery_windows: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    offers_gift_wrapping: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    offers_noshi: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    created_at: Mapped[datetime] = created_at_column()

    users: Mapped[list[User]] = relationship(back_populates="business")
    projects: Mapped[list[Project]] = relationship(back_populates="business")


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        state_check("status", CampaignStatus),
        state_check("miss_policy", MissPolicy),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('funded', 'missed')", name="outcome_allowed"
        ),
        CheckConstraint("eligible_cost_yen >= 0", name="eligible_cost_nonneg"),
        CheckConstraint("subsidy_rate_percent BETWEEN 1 AND 100", name="subsidy_rate_range"),
        CheckConstraint("target_yen >= 0 AND cap_yen >= target_yen", name="target_cap"),
        CheckConstraint(
            "paid_total_yen >= 0 AND paid_count >= 0 AND reserved_total_yen >= 0",
            name="counters_nonneg",
        ),
        CheckConstraint(
            "reserved_total_yen <= cap_yen OR status IN ('draft', 'submitted')",
            name="reserved_within_cap",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(400), default="")
    story_markdown: Mapped[str] = mapped_column(Text, default="")
    story_html: Mapped[str] = mapped_column(Text, default="")  # sanitised at write time
    # Title, summary and story folded for search (domain/search.py), kept by the listener below.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    category: Mapped[str] = mapped_column(String(40), default="")
    eligible_cost_yen: Mapped[int] = mapped_column(Yen, default=0)
    subsidy_rate_percent: Mapped[int] = mapped_column(Integer, default=40)
    target_yen: Mapped[int] = mapped_column(Yen, default=0)  # derived, never typed
    cap_yen: Mapped[int] = mapped_column(Yen, default=0)  # derived, never typed
    starts_at: Mapped[datetime | None]
    deadline: Mapped[datetime | None] = mapped_column(index=True)
    miss_policy: Mapped[str] = state_column(MissPolicy, default=MissPolicy.REFUND)
    fallback_purpose: Mapped[str] = mapped_column(Text, default="")
    # What gift, if any, a `keep` campaign sends when it misses its target.
    fallback_gift_note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = state_column(CampaignStatus, default=CampaignStatus.DRAFT, index=True)
    outcome: Mapped[str | None] = mapped_column(String(max(len(o) for o in CampaignOutcome)))
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    paused_reason: Mapped[str] = mapped_column(Text, default="")
    # Counters kept by conditional UPDATEs in the donation service (never read-modify-write).
    paid_total_yen: Mapped[int] = mapped_column(Yen, default=0)
    paid_count: Mapped[int] = mapped_column(Integer, default=0)
    reserved_total_yen: Mapped[int] = mapped_column(Yen, default=0)  # pending + paid, vs cap
    target_reached_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closing_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    business: Mapped[Business] = relationship(back_populates="projects")
    tiers: Mapped[list[Tier]] = relationship(
        back_populates="project", order_by="Tier.position, Tier.id", cascade="all, delete-orphan"
    )
    images: Mapped[list[ProjectImage]] = relationship(
        back_populates="project",
        order_by="ProjectImage.position, ProjectImage.id",
        cascade="all, delete-orphan",
    )


@event.listens_for(Project, "before_insert")
@event.listens_for(Project, "before_update")
def _fold_for_search(_mapper: Any, _connection: Any, project: Project) -> None:
    """Every write of a project through the ORM keeps its search text folded."""
    project.search_text = project_text(project.title, project.summary, project.story_markdown)


class Tier(Base):
    __tablename__ = "tiers"
    __table_args__ = (
        CheckConstraint("amount_yen >= 2000", name="amount_min"),
        CheckConstraint(
            "procurement_cost_yen >= 0 AND shipping_cost_yen >= 0", name="costs_nonneg"
        ),
        CheckConstraint(
            "quantity_limit IS NULL OR quantity_limit > 0", name="quantity_limit_positive"
        ),
        CheckConstraint(
            "reserved_count >= 0 AND (quantity_limit IS NULL OR reserved_count <= quantity_limit)",
            name="reserved_within_limit",
        ),
        CheckConstraint(
            "local_category IS NULL OR local_category BETWEEN 1 AND 9", name="local_category_range"
        ),
        CheckConstraint(
            "local_subitem IS NULL OR (local_category = 8 AND local_subitem IN ('i', 'ro', 'ha'))",
            name="local_subitem_of_item_8",
        ),
        CheckConstraint(
            "(general_price_yen IS NULL OR general_price_yen >= 0)"
            " AND (local_value_added_yen IS NULL OR local_value_added_yen >= 0)"
            " AND (lodging_price_yen IS NULL OR lodging_price_yen > 0)",
            name="local_prices_nonneg",
        ),
        CheckConstraint(
            "processed_kind IS NULL OR processed_kind IN ('aged_meat', 'polished_rice')",
            name="processed_kind_allowed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    amount_yen: Mapped[int] = mapped_column(Yen)
    gift_name: Mapped[str] = mapped_column(String(120), default="")  # "" = pure support
    gift_description: Mapped[str] = mapped_column(Text, default="")
    procurement_cost_yen: Mapped[int] = mapped_column(Yen, default=0)
    shipping_cost_yen: Mapped[int] = mapped_column(Yen, default=0)
    quantity_limit: Mapped[int | None] = mapped_column(Integer)
    # Units taken (pending + paid) of a limited tier; an unlimited one keeps 0 (reservations.take_unit).
    reserved_count: Mapped[int] = mapped_column(Integer, default=0)
    delivery_month: Mapped[date | None]  # first day of the promised (or first) month
    # A 定期便: the months of its N deliveries (first days, the first one = delivery_month);
    # empty for a gift delivered once.
    delivery_months: Mapped[list[date]] = mapped_column(
        MonthList(), default=list, server_default="[]"
    )
    local_category: Mapped[int | None] = mapped_column(Integer)  # 地場産品基準 1..9
    local_subitem: Mapped[str | None] = mapped_column(String(2))  # 8号: i / ro / ha
    local_evidence: Mapped[str] = mapped_column(Text, default="")
    # Why staff must look at the tier's item again (set when the notice's items were renumbered
    # under it); None once they have. Never cleared by relabelling it silently.
    local_review_note: Mapped[str | None] = mapped_column(Text)
    # What 告示第5条's later rules read (domain/local_products.py): the 一般販売価格 (from
    # 2026-10), the value added in the area (3号), a 宿泊's price per person-night (7号), and
    # for 熟成肉・精米 (3号) whether the meat or rice was produced in the same prefecture.
    general_price_yen: Mapped[int | None] = mapped_column(Yen)
    local_value_added_yen: Mapped[int | None] = mapped_column(Yen)
    lodging_price_yen: Mapped[int | None] = mapped_column(Yen)
    processed_kind: Mapped[str | None] = mapped_column(String(13))  # aged_meat / polished_rice
    same_prefecture: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    project: Mapped[Project] = relationship(back_populates="tiers")

    @property
    def has_gift(self) -> bool:
        return bool(self.gift_name)

    @property
    def remaining(self) -> int | None:
        if self.quantity_limit is None:
            return None
        return max(self.quantity_limit - self.reserved_count, 0)

    @property
    def schedule(self) -> tuple[date, ...]:
        """The months its gift is delivered in (a 定期便's N, else its one month)."""
        return deliveries.schedule(self.delivery_month, self.delivery_months)


class ProjectImage(Base):
    """An uploaded image, checked by content and stored resized (large and thumbnail)."""

    __tablename__ = "project_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    content_type: Mapped[str] = mapped_column(String(40))
    large: Mapped[bytes] = mapped_column(LargeBinary)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    alt_text: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = created_at_column()

    project: Mapped[Project] = relationship(back_populates="images")


class ProjectRevision(Base):
    """A snapshot of a project as submitted, so staff see what changed since the last one."""

    __tablename__ = "project_revisions"
    __table_args__ = (UniqueConstraint("project_id", "number", name="uq_revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = created_at_column()
    decision: Mapped[str | None] = mapped_column(String(10))  # approved | rejected
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]


class NextGoal(Base):
    """ネクストゴール: a second target (up to the cap) a funded campaign's business proposes
    with a reason, and maybe new tiers; staff approve or reject it (domain/next_goal.py)."""

    __tablename__ = "next_goals"
    __table_args__ = (
        state_check("status", NextGoalStatus),
        CheckConstraint("amount_yen > 0", name="amount_positive"),
        # One proposal waiting and one approved next goal per campaign, at most.
        Index(
            "uq_next_goals_one_proposed",
            "project_id",
            unique=True,
            postgresql_where=text("status = 'proposed'"),
            sqlite_where=text("status = 'proposed'"),
        ),
        Index(
            "uq_next_goals_one_approved",
            "project_id",
            unique=True,
            postgresql_where=text("status = 'approved'"),
            sqlite_where=text("status = 'approved'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    amount_yen: Mapped[int] = mapped_column(Yen)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = state_column(NextGoalStatus, default=NextGoalStatus.PROPOSED)
    # The tiers proposed with it, as the tier form's values in plain JSON (dates as ISO
    # strings); they become tiers of the campaign when staff approve (added_tier_ids).
    new_tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    added_tier_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = created_at_column()
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    # The approval's note, or the reason for a rejection (the business reads it).
    decision_note: Mapped[str] = mapped_column(Text, default="")

    project: Mapped[Project] = relationship()
