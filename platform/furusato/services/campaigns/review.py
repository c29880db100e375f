"""City staff decide on projects: approve, reject with reasons, pause and resume campaigns.

Each decision locks the project row, checks the move with the campaign state machine, and writes
an audit entry (who, what, before/after) in the same unit of work. The business hears of each
decision by mail. Approval schedules the campaign: it goes live at its start time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from furusato.domain.campaign import Phase, clock_of
from furusato.domain.compliance import Violation, check_project
from furusato.domain.money import utcnow
from furusato.domain.revisions import Change, diff
from furusato.domain.states import CAMPAIGN, CampaignStatus, IllegalTransition
from furusato.models import Project, ProjectRevision, User
from furusato.services import audit, mail, mail_texts
from furusato.services.campaigns.projects import derive_amounts, detached, project_query, rules
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


@dataclass
class ReviewReport:
    project: Project
    violations: list[Violation]
    revisions: list[ProjectRevision]  # newest first
    changes: list[Change]  # current submission vs the one before it
    previous_rejection: str


def _staff(actor: User) -> None:
    if actor.role != "staff":
        raise Forbidden("職員だけが行える操作です。")


def _locked(session: Session, project_id: int) -> Project:
    project = session.scalar(project_query(project_id, lock=True))
    if project is None:
        raise NotFound("プロジェクトが見つかりません。")
    return project


def _move(project: Project, target: CampaignStatus) -> str:
    before = project.status
    try:
        CAMPAIGN.check(before, target)
    except IllegalTransition as exc:
        raise Conflict(
            N_("現在の状態（%(status)s）からは操作できません。", status=before),
            code="illegal_transition",
        ) from exc
    project.status = target
    return before


def _latest_revision(session: Session, project_id: int) -> ProjectRevision | None:
    return session.scalar(
        select(ProjectRevision)
        .where(ProjectRevision.project_id == project_id)
        .order_by(ProjectRevision.number.desc())
        .limit(1)
    )


def _notify(uow: UnitOfWork, project: Project, event: str, text: mail_texts.MailText) -> None:
    for user in project.business.users:
        mail.queue(
            uow,
            key=f"project:{project.id}:{event}:{user.id}",
            to=user.email,
            subject=text.subject,
            body=text.body,
        )


def queue() -> list[Project]:
    """Projects waiting for review, the oldest submission first."""
    with UnitOfWork() as uow:
        stmt = (
            select(Project)
            .options(selectinload(Project.business), selectinload(Project.tiers))
            .where(Project.status == CampaignStatus.SUBMITTED)
            .order_by(Project.submitted_at.asc(), Project.id.asc())
        )
        return detached(uow, list(uow.session.scalars(stmt)))


def campaigns(status: str | None = None) -> list[tuple[Project, Phase]]:
    """Projects past review (approved, paused, closing …), soonest deadline first, each with
    its phase at this moment."""
    shown = [s for s in CampaignStatus if s not in (CampaignStatus.DRAFT, CampaignStatus.SUBMITTED)]
    with UnitOfWork() as uow:
        stmt = (
            select(Project)
            .options(selectinload(Project.business))
            .where(Project.status.in_([status] if status else shown))
            .order_by(Project.deadline.asc(), Project.id.asc())
        )
        found = detached(uow, list(uow.session.scalars(stmt)))
    moment = utcnow()
    return [(p, clock_of(p).phase(moment)) for p in found]


def report(actor: User, project_id: int) -> ReviewReport:
    """What staff need to decide: the rules check, and what changed since the last submission."""
    _staff(actor)
    with UnitOfWork() as uow:
        project = uow.session.scalar(project_query(project_id))
        if project is None:
            raise NotFound("プロジェクトが見つかりません。")
        project.business.users  # noqa: B018 - loaded for the page while the session is open
        revisions = list(
            uow.session.scalars(
                select(ProjectRevision)
                .where(ProjectRevision.project_id == project_id)
                .order_by(ProjectRevision.number.desc())
            )
        )
        current = revisions[0].snapshot if revisions else None
        previous = revisions[1].snapshot if len(revisions) > 1 else None
        rejected = next((r.decision_reason for r in revisions[1:] if r.decision == "rejected"), "")
        return detached(
            uow,
            ReviewReport(
                project=project,
                violations=check_project(project, rules(), utcnow()),
                revisions=revisions,
                changes=diff(previous, current) if current else [],
                previous_rejection=rejected,
            ),
        )


def _decide(session: Session, project: Project, actor: User, decision: str, reason: str) -> None:
    revision = _latest_revision(session, project.id)
    if revision is not None:
        revision.decision = decision
        revision.decision_reason = reason
        revision.decided_by_id = actor.id
        revision.decided_at = utcnow()


def approve(actor: User, project_id: int, note: str = "", ip_address: str = "") -> None:
    """Adopt the project; it is scheduled and goes live at its start time."""
    _staff(actor)
    refuse_control_characters({"note": note}, multi_line=("note",))
    with UnitOfWork() as uow:
        project = _locked(uow.session, project_id)
        if project.status == CampaignStatus.SUBMITTED:
            problems = check_project(project, rules(), utcnow())
            if problems:
                raise ValidationFailed(
                    "ルール違反が残っているため承認できません。差し戻してください。",
                    code="compliance_failed",
                    fields={v.location: v.message for v in problems},
                )
        before = _move(project, CampaignStatus.APPROVED)
        moment = utcnow()
        project.approved_at = moment
        project.approved_by_id = actor.id
        project.rejection_reason = ""
        _decide(uow.session, project, actor, "approved", note)
        audit.record(
            uow.session,
            actor,
            "project.approve",
            "project",
            project.id,
            before={"status": before},
            after={"status": project.status, "starts_at": _iso(project.starts_at)},
            note=note,
            ip_address=ip_address,
        )
        _notify(uow, project, "approved", mail_texts.render("project_approved", project=project))
        uow.commit()


def reject(actor: User, project_id: int, reason: str, ip_address: str = "") -> None:
    """Send the project back to the business as a draft, with the reason it will see."""
    _staff(actor)
    reason = required_reason(reason, "差し戻しの理由を入力してください。")
    with UnitOfWork() as uow:
        project = _locked(uow.session, project_id)
        if project.status != CampaignStatus.SUBMITTED:
            raise Conflict("審査中のプロジェクトだけを差し戻せます。", code="illegal_transition")
        before = _move(project, CampaignStatus.DRAFT)
        project.rejection_reason = reason
        _decide(uow.session, project, actor, "rejected", reason)
        audit.record(
            uow.session,
            actor,
            "project.reject",
            "project",
            project.id,
            before={"status": before},
            after={"status": project.status, "rejection_reason": reason},
            note=reason,
            ip_address=ip_address,
        )
        _notify(
            uow,
            project,
            f"rejected:{project.submitted_at.isoformat() if project.submitted_at else ''}",
            mail_texts.render("project_rejected", project=project, reason=reason),
        )
        uow.commit()


def pause(actor: User, project_id: int, reason: str, ip_address: str = "") -> None:
    """Stop donations; the reason is shown to donors on the project page."""
    _staff(actor)
    reason = required_reason(reason, "一時停止の理由を入力してください。")
    with UnitOfWork() as uow:
        project = _locked(uow.session, project_id)
        before = _move(project, CampaignStatus.PAUSED)
        project.paused_reason = reason
        audit.record(
            uow.session,
            actor,
            "project.pause",
            "project",
            project.id,
            before={"status": before},
            after={"status": project.status, "paused_reason": reason},
            note=reason,
            ip_address=ip_address,
        )
        uow.commit()


def resume(actor: User, project_id: int, ip_address: str = "") -> None:
    _staff(actor)
    with UnitOfWork() as uow:
        project = _locked(uow.session, project_id)
        if project.status != CampaignStatus.PAUSED:
            raise Conflict("一時停止中のプロジェクトではありません。", code="illegal_transition")
        old_reason = project.paused_reason
        before = _move(project, CampaignStatus.APPROVED)
        project.paused_reason = ""
        audit.record(
            uow.session,
            actor,
            "project.resume",
            "project",
            project.id,
            before={"status": before, "paused_reason": old_reason},
            after={"status": project.status},
            ip_address=ip_address,
        )
        uow.commit()


def set_subsidy_rate(actor: User, project_id: int, rate: int, ip_address: str = "") -> None:
    """Only staff change the subsidy rate (before approval); target and cap follow."""
    _staff(actor)
    if not isinstance(rate, int) or isinstance(rate, bool) or not 1 <= rate <= 100:
        raise ValidationFailed(
            "補助率は1〜100%の整数です。", fields={"subsidy_rate_percent": "1..100"}
        )
    with UnitOfWork() as uow:
        project = _locked(uow.session, project_id)
        if project.status not in (CampaignStatus.DRAFT, CampaignStatus.SUBMITTED):
            raise Conflict("採択後は補助率を変更できません。", code="not_editable")
        before: dict[str, Any] = {
            "subsidy_rate_percent": project.subsidy_rate_percent,
            "target_yen": project.target_yen,
            "cap_yen": project.cap_yen,
        }
        project.subsidy_rate_percent = rate
        derive_amounts(project)
        audit.record(
            uow.session,
            actor,
            "project.subsidy_rate",
            "project",
            project.id,
            before=before,
            after={
                "subsidy_rate_percent": rate,
                "target_yen": project.target_yen,
                "cap_yen": project.cap_yen,
            },
            ip_address=ip_address,
        )
        uow.commit()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
