"""ネクストゴール, as the business and the pages see it: proposing a second target for a
funded campaign, and reading proposals and the approved next goal.

What a next goal means (a milestone, not a settlement rule) is domain/next_goal.py's; staff
decide on proposals in next_goal_review.py. A proposal names an amount above what is already
raised and at most the cap, a reason, and up to three new tiers, each checked against every
rule a tier must meet (the 30 %/50 % shares, local products, the 定期便 schedule).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.domain import next_goal
from furusato.domain.campaign import clock_of
from furusato.domain.compliance import Violation
from furusato.domain.money import utcnow
from furusato.domain.next_goal import NextGoalProgress
from furusato.domain.states import NextGoalStatus, Role
from furusato.models import Business, NextGoal, Project, User
from furusato.services import audit
from furusato.services.campaigns import tiers
from furusato.services.campaigns.projects import ComplianceFailed, is_owner
from furusato.services.errors import (
    N_,
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    ValidationFailed,
    refuse_control_characters,
)
from furusato.services.uow import UnitOfWork


@dataclass(frozen=True)
class NextGoalView:
    """A proposal (or decision) with the campaign as it stands now."""

    id: int
    project_id: int
    project_title: str
    business_name: str
    amount_yen: int
    reason: str
    status: str
    new_tiers: tuple[dict[str, Any], ...]  # the tier values proposed (dates as dates)
    added_tier_ids: tuple[int, ...]
    proposed_at: datetime
    decided_at: datetime | None
    decision_note: str
    phase: str
    progress: NextGoalProgress  # the amount beside the paid total
    target_yen: int
    cap_yen: int
    violations: tuple[Violation, ...]  # what its new tiers break by today's rules


def _view(goal: NextGoal, project: Project, business_name: str, now: datetime) -> NextGoalView:
    problems: list[Violation] = []
    for index, stored in enumerate(goal.new_tiers):
        problems += tiers.recheck(stored, index)
    return NextGoalView(
        id=goal.id,
        project_id=project.id,
        project_title=project.title,
        business_name=business_name,
        amount_yen=goal.amount_yen,
        reason=goal.reason,
        status=goal.status,
        new_tiers=tuple(tiers.from_json(t) for t in goal.new_tiers),
        added_tier_ids=tuple(goal.added_tier_ids),
        proposed_at=goal.proposed_at,
        decided_at=goal.decided_at,
        decision_note=goal.decision_note,
        phase=str(clock_of(project).phase(now)),
        progress=progress_of(goal.amount_yen, project),
        target_yen=project.target_yen,
        cap_yen=project.cap_yen,
        violations=tuple(problems),
    )


def progress_of(amount_yen: int, project: Project) -> NextGoalProgress:
    return NextGoalProgress(
        amount_yen=amount_yen,
        paid_total_yen=project.paid_total_yen,
        subsidy_rate_percent=project.subsidy_rate_percent,
        eligible_cost_yen=project.eligible_cost_yen,
    )


def _rows(session: Session, *conditions: Any) -> list[tuple[NextGoal, Project, str]]:
    stmt = (
        select(NextGoal, Project, Business.name)
        .join(Project, Project.id == NextGoal.project_id)
        .join(Business, Business.id == Project.business_id)
        .where(*conditions)
    )
    return [(g, p, name) for g, p, name in session.execute(stmt).all()]


# --- proposing ------------------------------------------------------------------------------


def _checked_tiers(new_tiers: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every proposed tier cleaned and checked; ComplianceFailed (naming `tiers.<n>.<field>`)
    with every problem of every tier if any has one."""
    if len(new_tiers) > next_goal.MAX_NEW_TIERS:
        raise ValidationFailed(
            N_("同時に追加できるコースは%(n)sつまでです。", n=next_goal.MAX_NEW_TIERS),
            fields={"tiers": N_("%(n)sつまでです。", n=next_goal.MAX_NEW_TIERS)},
        )
    cleaned: list[dict[str, Any]] = []
    violations: list[Violation] = []
    for index, values in enumerate(new_tiers):
        try:
            clean, found = tiers.checked_new_tier(values, index)
        except ValidationFailed as exc:
            violations += [Violation("invalid", m, f, index) for f, m in exc.fields.items()]
            continue
        cleaned.append(tiers.to_json(clean))
        violations += found
    if violations:
        raise ComplianceFailed(violations)
    return cleaned


def _refusal(project: Project, now: datetime) -> ServiceError | None:
    phase = clock_of(project).phase(now)
    why = next_goal.campaign_refusal(phase, project.paid_total_yen, project.target_yen)
    return Conflict(why, code="next_goal_not_open") if why else None


def propose(
    actor: User,
    project_id: int,
    *,
    amount_yen: int,
    reason: str,
    new_tiers: Sequence[Mapping[str, Any]] = (),
    ip_address: str = "",
) -> int:
    """The business proposes a next goal for its funded campaign; returns the proposal's id.
    Refused while another waits for staff or once one is approved."""
    reason = (reason or "").strip()
    refuse_control_characters({"reason": reason}, multi_line=("reason",))
    stored_tiers = _checked_tiers(new_tiers)
    with UnitOfWork() as uow:
        s = uow.session
        project = s.scalar(select(Project).where(Project.id == project_id).with_for_update())
        if project is None:
            raise NotFound("プロジェクトが見つかりません。")
        if not is_owner(actor, project):
            raise Forbidden("このプロジェクトのネクストゴールは提案できません。")
        now = utcnow()
        if (refused := _refusal(project, now)) is not None:
            raise refused
        standing = s.scalars(
            select(NextGoal.status).where(
                NextGoal.project_id == project_id,
                NextGoal.status.in_((NextGoalStatus.PROPOSED, NextGoalStatus.APPROVED)),
            )
        ).all()
        if NextGoalStatus.APPROVED in standing:
            raise Conflict("ネクストゴールはすでに承認されています。", code="next_goal_exists")
        if NextGoalStatus.PROPOSED in standing:
            raise Conflict(
                "審査中のネクストゴールがあります。結果をお待ちください。",
                code="next_goal_pending",
            )
        fields = next_goal.amount_problems(
            amount_yen, reason, paid_total_yen=project.paid_total_yen, cap_yen=project.cap_yen
        )
        if fields:
            raise ValidationFailed("入力内容を確認してください。", fields=fields)
        goal = NextGoal(
            project_id=project_id,
            amount_yen=amount_yen,
            reason=reason,
            status=NextGoalStatus.PROPOSED,
            new_tiers=stored_tiers,
            added_tier_ids=[],
            proposed_by_id=actor.id,
            proposed_at=now,
        )
        s.add(goal)
        s.flush()
        audit.record(
            s,
            actor,
            "next_goal.propose",
            "next_goal",
            goal.id,
            after={
                "project_id": project_id,
                "amount_yen": amount_yen,
                "new_tiers": len(stored_tiers),
            },
            note=reason,
            ip_address=ip_address,
        )
        uow.commit()
        return goal.id


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextGoalPage:
    """A campaign's next goal as its business (or staff) sees it: where the campaign stands,
    whether a proposal may be made now (and why not), and every proposal so far."""

    project_id: int
    project_title: str
    phase: str
    paid_total_yen: int
    target_yen: int
    cap_yen: int
    subsidy_rate_percent: int
    eligible_cost_yen: int
    refusal: str | None  # why no proposal can be made now (a message), None if one can
    goals: tuple[NextGoalView, ...]  # newest first


def page(actor: User, project_id: int) -> NextGoalPage:
    """The campaign's next-goal page: its business's or staff's (Forbidden for others)."""
    with UnitOfWork() as uow:
        project = uow.session.get(Project, project_id)
        if project is None:
            raise NotFound("プロジェクトが見つかりません。")
        if actor.role != Role.STAFF and not is_owner(actor, project):
            raise Forbidden("このプロジェクトのネクストゴールは見られません。")
        now = utcnow()
        rows = _rows(uow.session, NextGoal.project_id == project_id)
        goals = sorted(
            (_view(g, p, name, now) for g, p, name in rows),
            key=lambda v: (v.proposed_at, v.id),
            reverse=True,
        )
        refused = _refusal(project, now)
        standing = {g.status for g in goals}
        why = refused.message if refused is not None else None
        if why is None and NextGoalStatus.APPROVED in standing:
            why = N_("ネクストゴールはすでに承認されています。")
        elif why is None and NextGoalStatus.PROPOSED in standing:
            why = N_("審査中のネクストゴールがあります。結果をお待ちください。")
        return NextGoalPage(
            project_id=project.id,
            project_title=project.title,
            phase=str(clock_of(project).phase(now)),
            paid_total_yen=project.paid_total_yen,
            target_yen=project.target_yen,
            cap_yen=project.cap_yen,
            subsidy_rate_percent=project.subsidy_rate_percent,
            eligible_cost_yen=project.eligible_cost_yen,
            refusal=why,
            goals=tuple(goals),
        )


def for_project(actor: User, project_id: int) -> list[NextGoalView]:
    """A campaign's proposals and decisions, newest first: its business's or staff's."""
    return list(page(actor, project_id).goals)


def view(actor: User, goal_id: int) -> NextGoalView:
    """One proposal: staff, or the business whose campaign it is (NotFound for others)."""
    with UnitOfWork() as uow:
        rows = _rows(uow.session, NextGoal.id == goal_id)
        if not rows or not (actor.role == Role.STAFF or is_owner(actor, rows[0][1])):
            raise NotFound("ネクストゴールが見つかりません。")
        return _view(*rows[0], utcnow())


def queue(status: str | None = NextGoalStatus.PROPOSED) -> list[NextGoalView]:
    """Proposals for staff, oldest first (all of them with `status` None)."""
    with UnitOfWork() as uow:
        conditions = [NextGoal.status == status] if status else []
        rows = _rows(uow.session, *conditions)
        now = utcnow()
        found = [_view(g, p, name, now) for g, p, name in rows]
    return sorted(found, key=lambda v: (v.proposed_at, v.id))


def approved_of(session: Session, project_ids: Sequence[int]) -> dict[int, NextGoal]:
    """The approved next goal of each campaign that has one (one statement)."""
    if not project_ids:
        return {}
    goals = session.scalars(
        select(NextGoal).where(
            NextGoal.project_id.in_(list(project_ids)),
            NextGoal.status == NextGoalStatus.APPROVED,
        )
    )
    return {goal.project_id: goal for goal in goals}
