"""Next goals (ネクストゴール) over the API: a funded campaign's business proposes a second
target up to the cap, with a reason and up to three new tiers; staff approve or reject it. What
it means for settlement (nothing: the campaign is funded already) is domain/next_goal.py's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from furusato.domain import next_goal
from furusato.domain.states import NextGoalStatus
from furusato.services.accounts import User
from furusato.services.campaigns import next_goal_review, next_goals
from furusato.services.campaigns.next_goals import NextGoalView
from furusato.web.api.core import ApiInput, Call, from_view, operation
from furusato.web.api.projects import ApproveIn, RejectIn, TierIn, ViolationOut

BUSINESS, STAFF = "business", "staff"


class NextGoalIn(ApiInput):
    model_config = ConfigDict(extra="forbid")
    multi_line = frozenset({"reason"})

    amount_yen: StrictInt = Field(
        ge=1, le=10**15, description="above the paid total, at most the cap (whole yen)"
    )
    reason: str = Field(min_length=1, max_length=next_goal.MAX_REASON_CHARS)
    tiers: list[TierIn] = Field(
        default_factory=list,
        max_length=next_goal.MAX_NEW_TIERS,
        description="new tiers offered with it; each must meet every tier rule",
    )


class ProposedTierOut(BaseModel):
    amount_yen: int
    gift_name: str = ""
    gift_description: str = ""
    procurement_cost_yen: int = 0
    shipping_cost_yen: int = 0
    quantity_limit: int | None = None
    delivery_month: date | None = None
    delivery_months: list[date] = []
    local_category: int | None = None
    local_subitem: str | None = None
    local_evidence: str = ""
    general_price_yen: int | None = None
    local_value_added_yen: int | None = None
    lodging_price_yen: int | None = None
    processed_kind: str | None = None
    same_prefecture: bool = False


class NextGoalOut(BaseModel):
    id: int
    project_id: int
    project_title: str
    amount_yen: int
    reason: str
    status: str  # proposed | approved | rejected
    paid_total_yen: int
    percent: int
    target_yen: int
    cap_yen: int
    new_tiers: list[ProposedTierOut]
    added_tier_ids: list[int]
    violations: list[ViolationOut]
    proposed_at: datetime
    decided_at: datetime | None
    decision_note: str

    @classmethod
    def from_view(cls, goal: NextGoalView) -> Self:
        return from_view(
            cls,
            goal,
            paid_total_yen=goal.progress.paid_total_yen,
            percent=goal.progress.percent,
            new_tiers=[ProposedTierOut.model_validate(t) for t in goal.new_tiers],
            added_tier_ids=list(goal.added_tier_ids),
            violations=[ViolationOut.model_validate(v.as_dict()) for v in goal.violations],
        )


class NextGoalList(BaseModel):
    items: list[NextGoalOut]


class QueueQuery(ApiInput):
    model_config = ConfigDict(extra="forbid")

    status: Literal["proposed", "approved", "rejected", "all"] = "proposed"


def _user(call: Call) -> User:
    assert call.user is not None  # the operation's roles exclude anonymous callers
    return call.user


@operation(
    "/projects/<int:project_id>/next-goals",
    method="POST",
    summary="Propose a next goal for a funded campaign (its business); staff decide",
    roles=(BUSINESS,),
    body=NextGoalIn,
    response=NextGoalOut,
    status=201,
    idempotent=True,
    errors=(403, 404, 409, 422),
)
def propose_next_goal(call: Call, project_id: int) -> NextGoalOut:
    body: NextGoalIn = call.body
    goal_id = next_goals.propose(
        _user(call),
        project_id,
        amount_yen=body.amount_yen,
        reason=body.reason,
        new_tiers=[t.model_dump(exclude_unset=True) for t in body.tiers],
        ip_address=call.ip_address,
    )
    return NextGoalOut.from_view(next_goals.view(_user(call), goal_id))


@operation(
    "/projects/<int:project_id>/next-goals",
    summary="A campaign's next-goal proposals and decisions, newest first (its business, staff)",
    roles=(BUSINESS, STAFF),
    response=NextGoalList,
    errors=(403, 404),
)
def list_project_next_goals(call: Call, project_id: int) -> NextGoalList:
    items = next_goals.for_project(_user(call), project_id)
    return NextGoalList(items=[NextGoalOut.from_view(g) for g in items])


@operation(
    "/next-goals",
    summary="Next-goal proposals for staff, oldest first (status: proposed by default)",
    roles=(STAFF,),
    query=QueueQuery,
    response=NextGoalList,
)
def next_goal_queue(call: Call) -> NextGoalList:
    status = call.query.status
    items = next_goals.queue(None if status == "all" else NextGoalStatus(status))
    return NextGoalList(items=[NextGoalOut.from_view(g) for g in items])


@operation(
    "/next-goals/<int:goal_id>",
    summary="One next goal (its campaign's business, staff)",
    roles=(BUSINESS, STAFF),
    response=NextGoalOut,
    errors=(404,),
)
def get_next_goal(call: Call, goal_id: int) -> NextGoalOut:
    return NextGoalOut.from_view(next_goals.view(_user(call), goal_id))


@operation(
    "/next-goals/<int:goal_id>/approve",
    method="POST",
    summary="Approve a proposed next goal (staff): shown on the page, its tiers added",
    roles=(STAFF,),
    body=ApproveIn,
    response=NextGoalOut,
    errors=(404, 409, 422),
)
def approve_next_goal(call: Call, goal_id: int) -> NextGoalOut:
    next_goal_review.approve(_user(call), goal_id, call.body.note, ip_address=call.ip_address)
    return NextGoalOut.from_view(next_goals.view(_user(call), goal_id))


@operation(
    "/next-goals/<int:goal_id>/reject",
    method="POST",
    summary="Reject a proposed next goal with the reason its business reads (staff)",
    roles=(STAFF,),
    body=RejectIn,
    response=NextGoalOut,
    errors=(404, 409, 422),
)
def reject_next_goal(call: Call, goal_id: int) -> NextGoalOut:
    next_goal_review.reject(_user(call), goal_id, call.body.reason, ip_address=call.ip_address)
    return NextGoalOut.from_view(next_goals.view(_user(call), goal_id))
