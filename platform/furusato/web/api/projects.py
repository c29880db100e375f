"""Projects over the API: businesses draft and submit, staff approve or reject, anyone lists
what is public. The same services as the pages decide who may do what."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Literal, Self

from flask import Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt

from furusato.domain import deliveries
from furusato.domain.states import CampaignStatus
from furusato.services.accounts import User
from furusato.services.campaigns import project_views, projects, review, tiers
from furusato.services.campaigns.catalog_types import NextGoalShown
from furusato.services.campaigns.project_views import ImageView, ProjectView, TierView
from furusato.services.campaigns.projects import MAX_ELIGIBLE_COST_YEN, ComplianceFailed
from furusato.services.campaigns.tiers import STORABLE_MAX
from furusato.web.api.core import PROBLEM_JSON, ApiInput, Call, Problem, from_view, operation

BUSINESS, STAFF, DONOR, ANON = "business", "staff", "donor", "anonymous"


class TierIn(ApiInput):
    model_config = ConfigDict(extra="forbid")
    multi_line = frozenset({"gift_description", "local_evidence"})

    amount_yen: StrictInt = Field(ge=1, le=STORABLE_MAX["amount_yen"])
    gift_name: str = Field("", max_length=120)
    gift_description: str = Field("", max_length=5_000)
    procurement_cost_yen: StrictInt = Field(0, ge=0, le=STORABLE_MAX["procurement_cost_yen"])
    shipping_cost_yen: StrictInt = Field(0, ge=0, le=STORABLE_MAX["shipping_cost_yen"])
    quantity_limit: StrictInt | None = Field(None, ge=1, le=STORABLE_MAX["quantity_limit"])
    delivery_month: date | None = None
    delivery_months: list[date] | None = Field(
        None,
        max_length=deliveries.MAX_DELIVERIES,
        description="定期便: the months of its deliveries, first days, in order (2 to 12); "
        "procurement and shipping costs are per delivery",
    )
    local_category: StrictInt | None = Field(None, ge=1, le=9)
    local_subitem: Literal["i", "ro", "ha"] | None = Field(
        None, description="8号 only: イ (i), ロ (ro) or ハ (ha)"
    )
    local_evidence: str = Field("", max_length=5_000)
    general_price_yen: StrictInt | None = Field(
        None,
        ge=0,
        le=STORABLE_MAX["general_price_yen"],
        description="一般販売価格: required from 2026-10, at most 30 % of amount_yen",
    )
    local_value_added_yen: StrictInt | None = Field(
        None,
        ge=0,
        le=STORABLE_MAX["local_value_added_yen"],
        description="3号: value added in the area, at least half of general_price_yen",
    )
    lodging_price_yen: StrictInt | None = Field(
        None,
        ge=1,
        le=STORABLE_MAX["lodging_price_yen"],
        description="7号 宿泊: price per person per night (at most 50,000 from 2024-10)",
    )
    processed_kind: Literal["aged_meat", "polished_rice"] | None = Field(
        None, description="3号 熟成肉 or 精米"
    )
    same_prefecture: StrictBool = Field(
        False, description="熟成肉・精米: the meat or rice was produced in the same prefecture"
    )


class ProjectPatch(ApiInput):
    """Fields a business may set on its draft (target and cap are derived, never sent)."""

    model_config = ConfigDict(extra="forbid")
    multi_line = frozenset(projects.MULTI_LINE)

    title: str | None = Field(None, min_length=1, max_length=120)
    summary: str | None = Field(None, max_length=400)
    story_markdown: str | None = Field(None, max_length=20_000)
    category: str | None = Field(None, max_length=40)
    eligible_cost_yen: StrictInt | None = Field(None, ge=0, le=MAX_ELIGIBLE_COST_YEN)
    starts_at: AwareDatetime | None = None
    deadline: AwareDatetime | None = None
    miss_policy: Literal["refund", "keep"] | None = None
    fallback_purpose: str | None = Field(None, max_length=5_000)
    fallback_gift_note: str | None = Field(None, max_length=5_000)
    subsidy_rate_percent: StrictInt | None = Field(None, ge=1, le=100, description="staff only")


class ProjectCreate(ProjectPatch):
    title: str = Field(min_length=1, max_length=120)


class TierOut(BaseModel):
    id: int
    position: int
    amount_yen: int
    gift_name: str
    gift_description: str
    has_gift: bool
    quantity_limit: int | None
    remaining: int | None
    delivery_month: date | None
    delivery_months: list[date]
    local_category: int | None
    local_category_label: str
    local_subitem: str | None = None
    # Only for the owning business and staff:
    procurement_cost_yen: int | None = None
    shipping_cost_yen: int | None = None
    local_evidence: str | None = None
    general_price_yen: int | None = None
    local_value_added_yen: int | None = None
    lodging_price_yen: int | None = None
    processed_kind: str | None = None
    same_prefecture: bool | None = None
    local_review_note: str | None = None

    @classmethod
    def from_view(cls, tier: TierView) -> Self:
        return from_view(cls, tier)


class ImageOut(BaseModel):
    id: int
    alt_text: str
    large_url: str
    thumb_url: str

    @classmethod
    def from_view(cls, image: ImageView) -> Self:
        return from_view(
            cls,
            image,
            large_url=f"/images/{image.id}/large",
            thumb_url=f"/images/{image.id}/thumb",
        )


class NextGoalShownOut(BaseModel):
    """An approved next goal: a milestone beside the first target, which changes neither the
    subsidy formula nor the settlement (the campaign is funded already)."""

    id: int
    amount_yen: int
    reason: str
    approved_at: datetime | None
    percent: int
    reached: bool
    remaining_yen: int
    subsidy_at_goal_yen: int

    @classmethod
    def from_view(cls, goal: NextGoalShown) -> Self:
        p = goal.progress
        return from_view(
            cls,
            goal,
            percent=p.percent,
            reached=p.reached,
            remaining_yen=p.remaining_yen,
            subsidy_at_goal_yen=p.subsidy_at_goal_yen,
        )


class WindowOut(BaseModel):
    code: str
    label: str


class GiftOptionsOut(BaseModel):
    """What the business offers its donors' gifts: a recipient other than the donor is always
    possible; these are what a pledge may ask for besides."""

    carrier: str
    delivery_windows: list[WindowOut]
    gift_wrapping: bool
    noshi: list[WindowOut] = Field(description="のし inscriptions, empty if not offered")

    @classmethod
    def from_offer(cls, offer: deliveries.GiftOffer) -> Self:
        return cls(
            carrier=offer.carrier,
            delivery_windows=[
                WindowOut(code=w, label=deliveries.WINDOWS[w])
                for w in deliveries.offered_windows(offer)
            ],
            gift_wrapping=offer.wrapping,
            noshi=[WindowOut(code=k, label=v) for k, v in deliveries.NOSHI.items()]
            if offer.noshi
            else [],
        )


class ProjectOut(BaseModel):
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
    rejection_reason: str | None = None  # owner and staff only
    story_markdown: str | None = None  # owner and staff only
    tiers: list[TierOut]
    images: list[ImageOut]
    next_goal: NextGoalShownOut | None
    gift_options: GiftOptionsOut

    @classmethod
    def from_view(cls, project: ProjectView) -> Self:
        return from_view(
            cls,
            project,
            tiers=[TierOut.from_view(t) for t in project.tiers],
            images=[ImageOut.from_view(i) for i in project.images],
            next_goal=NextGoalShownOut.from_view(project.next_goal) if project.next_goal else None,
            gift_options=GiftOptionsOut.from_offer(project.gift_offer),
        )


class ProjectList(BaseModel):
    items: list[ProjectOut]


class ListQuery(ApiInput):
    status: Literal[tuple(str(s) for s in CampaignStatus)] | None = None  # type: ignore[valid-type]


class ViolationOut(BaseModel):
    code: str
    message: str
    field: str
    tier_index: int | None
    location: str


class SubmitOut(BaseModel):
    id: int
    status: str
    revision: int


class TierCreated(TierOut):
    project_id: int


class ApproveIn(ApiInput):
    multi_line = frozenset({"note"})

    note: str = Field("", max_length=2_000)


class RejectIn(ApiInput):
    multi_line = frozenset({"reason"})

    reason: str = Field(min_length=1, max_length=2_000)


def _signed_in(call: Call) -> User:
    """The caller of an operation whose roles exclude anonymous users (core checked it)."""
    assert call.user is not None
    return call.user


@operation(
    "/projects",
    method="POST",
    summary="Create a draft project (business)",
    roles=(BUSINESS,),
    body=ProjectCreate,
    response=ProjectOut,
    status=201,
    idempotent=True,
)
def create_project(call: Call) -> ProjectOut:
    project_id = projects.create_draft(_signed_in(call), call.body.model_dump(exclude_unset=True))
    return ProjectOut.from_view(project_views.load(call.user, project_id))


@operation(
    "/projects",
    summary="List projects: a business its own, staff all, others those past review",
    roles=(ANON, DONOR, BUSINESS, STAFF),
    query=ListQuery,
    response=ProjectList,
)
def list_projects(call: Call) -> ProjectList:
    items = project_views.list_for(call.user, call.query.status)
    return ProjectList(items=[ProjectOut.from_view(p) for p in items])


@operation(
    "/projects/<int:project_id>",
    summary="One project",
    roles=(ANON, DONOR, BUSINESS, STAFF),
    response=ProjectOut,
    errors=(403, 404),
)
def get_project(call: Call, project_id: int) -> ProjectOut:
    return ProjectOut.from_view(project_views.load(call.user, project_id))


@operation(
    "/projects/<int:project_id>",
    method="PATCH",
    summary="Edit a draft (its business); staff may set subsidy_rate_percent",
    roles=(BUSINESS, STAFF),
    body=ProjectPatch,
    response=ProjectOut,
    errors=(403, 404, 409),
)
def update_project(call: Call, project_id: int) -> ProjectOut:
    changes = call.body.model_dump(exclude_unset=True)
    user = _signed_in(call)
    if user.role == STAFF:
        rate = changes.pop("subsidy_rate_percent", None)
        if changes or rate is None:
            return _forbidden("staff may change only subsidy_rate_percent")  # type: ignore[return-value]
        review.set_subsidy_rate(user, project_id, rate, ip_address=call.ip_address)
    else:
        projects.update_draft(user, project_id, changes)
    return ProjectOut.from_view(project_views.load(user, project_id))


@operation(
    "/projects/<int:project_id>/tiers",
    method="POST",
    summary="Add a tier to a draft (its business)",
    roles=(BUSINESS,),
    body=TierIn,
    response=TierCreated,
    status=201,
    idempotent=True,
    errors=(403, 404, 409),
)
def add_project_tier(call: Call, project_id: int) -> TierCreated:
    tier_id = tiers.add_tier(_signed_in(call), project_id, call.body.model_dump(exclude_unset=True))
    project = project_views.load(call.user, project_id)
    return TierCreated.from_view(next(t for t in project.tiers if t.id == tier_id))


@operation(
    "/projects/<int:project_id>/submit",
    method="POST",
    summary="Submit a draft for review; 422 lists every violation",
    roles=(BUSINESS,),
    response=SubmitOut,
    errors=(403, 404, 409, 422),
)
def submit_project(call: Call, project_id: int) -> SubmitOut | Response:
    try:
        revision = projects.submit(_signed_in(call), project_id)
    except ComplianceFailed as exc:
        problem = Problem(
            title="Unprocessable Content",
            status=422,
            detail=exc.message,
            code=exc.code,
            errors=exc.fields,
        ).model_dump()
        problem["violations"] = [ViolationOut(**v.as_dict()).model_dump() for v in exc.violations]  # type: ignore[arg-type]
        return Response(json.dumps(problem, ensure_ascii=False), 422, content_type=PROBLEM_JSON)
    return SubmitOut(id=project_id, status=CampaignStatus.SUBMITTED, revision=revision)


@operation(
    "/projects/<int:project_id>/approve",
    method="POST",
    summary="Approve a submitted project (staff); it goes live at starts_at",
    roles=(STAFF,),
    body=ApproveIn,
    response=ProjectOut,
    errors=(404, 409),
)
def approve_project(call: Call, project_id: int) -> ProjectOut:
    review.approve(_signed_in(call), project_id, call.body.note, ip_address=call.ip_address)
    return ProjectOut.from_view(project_views.load(call.user, project_id))


@operation(
    "/projects/<int:project_id>/reject",
    method="POST",
    summary="Send a submitted project back to its business with a reason (staff)",
    roles=(STAFF,),
    body=RejectIn,
    response=ProjectOut,
    errors=(404, 409),
)
def reject_project(call: Call, project_id: int) -> ProjectOut:
    review.reject(_signed_in(call), project_id, call.body.reason, ip_address=call.ip_address)
    return ProjectOut.from_view(project_views.load(call.user, project_id))


def _forbidden(detail: str) -> Response:
    problem = Problem(title="Forbidden", status=403, detail=detail, code="forbidden")
    return Response(problem.model_dump_json(), 403, content_type=PROBLEM_JSON)
