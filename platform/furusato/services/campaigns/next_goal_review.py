"""City staff decide on a next goal: approve it (its new tiers join the campaign) or reject it
with a reason. Each decision locks the proposal and its campaign, checks the move with the
next goal's state machine, is audited (who, what, before/after) and is mailed to the business.

Approval checks again what proposing checked, as things stand now: the campaign still takes
donations, the amount still lies above the paid total and within the cap, and every new tier
still meets every rule (the city's fees may have changed since).
"""

from __future__ import annotations

from sqlalchemy import select

from furusato.domain import next_goal
from furusato.domain.campaign import clock_of
from furusato.domain.compliance import Violation
from furusato.domain.money import utcnow
from furusato.domain.states import NEXT_GOAL, IllegalTransition, NextGoalStatus
from furusato.models import NextGoal, Project, User
from furusato.services import audit, mail, mail_texts
from furusato.services.campaigns import tiers
from furusato.services.errors import (
    N_,
    Conflict,
    Forbidden,
    NotFound,
    ValidationFailed,
    refuse_control_characters,
    required_reason,
)
from furusato.services.uow import UnitOfWork


def _staff(actor: User) -> None:
    if actor.role != "staff":
        raise Forbidden("職員だけが行える操作です。")


def _locked(uow: UnitOfWork, goal_id: int) -> tuple[NextGoal, Project]:
    goal = uow.session.scalar(select(NextGoal).where(NextGoal.id == goal_id).with_for_update())
    if goal is None:
        raise NotFound("ネクストゴールが見つかりません。")
    project = uow.session.scalar(
        select(Project).where(Project.id == goal.project_id).with_for_update()
    )
    assert project is not None  # a foreign key
    return goal, project


def _move(goal: NextGoal, target: NextGoalStatus) -> str:
    before = goal.status
    try:
        NEXT_GOAL.check(before, target)
    except IllegalTransition as exc:
        raise Conflict(
            N_("このネクストゴールはすでに判断済みです（%(status)s）。", status=before),
            code="illegal_transition",
        ) from exc
    goal.status = target
    return before


def _notify(uow: UnitOfWork, project: Project, goal: NextGoal, text: mail_texts.MailText) -> None:
    for user in project.business.users:
        mail.queue(
            uow,
            key=f"next_goal:{goal.id}:{goal.status}:{user.id}",
            to=user.email,
            subject=text.subject,
            body=text.body,
        )


def approve(actor: User, goal_id: int, note: str = "", ip_address: str = "") -> None:
    """Show the next goal on the project page and add its tiers to the campaign."""
    _staff(actor)
    note = (note or "").strip()
    refuse_control_characters({"note": note}, multi_line=("note",))
    with UnitOfWork() as uow:
        goal, project = _locked(uow, goal_id)
        before = _move(goal, NextGoalStatus.APPROVED)  # rolled back if a check below refuses
        now = utcnow()
        phase = clock_of(project).phase(now)
        why = next_goal.campaign_refusal(phase, project.paid_total_yen, project.target_yen)
        if why:
            raise Conflict(why, code="next_goal_not_open")
        fields = next_goal.amount_problems(
            goal.amount_yen,
            goal.reason,
            paid_total_yen=project.paid_total_yen,
            cap_yen=project.cap_yen,
        )
        problems: list[Violation] = []
        for index, stored in enumerate(goal.new_tiers):
            problems += tiers.recheck(stored, index)
        fields |= {v.location: v.message for v in problems}
        if fields:
            raise ValidationFailed(
                "ルールに合わない点があるため承認できません。却下して理由を伝えてください。",
                code="next_goal_invalid",
                fields=fields,
            )
        goal.added_tier_ids = tiers.add_approved(uow.session, project.id, goal.new_tiers)
        goal.decided_by_id = actor.id
        goal.decided_at = now
        goal.decision_note = note
        audit.record(
            uow.session,
            actor,
            "next_goal.approve",
            "next_goal",
            goal.id,
            before={"status": before},
            after={
                "status": goal.status,
                "project_id": project.id,
                "amount_yen": goal.amount_yen,
                "added_tier_ids": goal.added_tier_ids,
            },
            note=note,
            ip_address=ip_address,
        )
        _notify(
            uow,
            project,
            goal,
            mail_texts.render("next_goal_approved", project=project, goal=goal),
        )
        uow.commit()


def reject(actor: User, goal_id: int, reason: str, ip_address: str = "") -> None:
    """Refuse the proposal with the reason its business reads; it may propose again."""
    _staff(actor)
    reason = required_reason(reason, "却下の理由を入力してください。")
    with UnitOfWork() as uow:
        goal, project = _locked(uow, goal_id)
        before = _move(goal, NextGoalStatus.REJECTED)
        goal.decided_by_id = actor.id
        goal.decided_at = utcnow()
        goal.decision_note = reason
        audit.record(
            uow.session,
            actor,
            "next_goal.reject",
            "next_goal",
            goal.id,
            before={"status": before},
            after={"status": goal.status, "project_id": project.id, "reason": reason},
            note=reason,
            ip_address=ip_address,
        )
        _notify(
            uow,
            project,
            goal,
            mail_texts.render("next_goal_rejected", project=project, goal=goal, reason=reason),
        )
        uow.commit()
