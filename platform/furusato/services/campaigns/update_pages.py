"""What the pages and the API read of updates and messages: the business's page of its
campaign's updates and messages, the staff's lists (with the final reports still missing), and
the public lists of a project."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from furusato.domain.states import CampaignOutcome, CheerStatus, UpdateStatus
from furusato.models import Business, CampaignUpdate, CheerMessage, Payout, Project, User
from furusato.services.campaigns import cheers, updates
from furusato.services.campaigns.cheers import CheerShown
from furusato.services.campaigns.projects import is_owner, is_public
from furusato.services.campaigns.updates import UpdateShown
from furusato.services.errors import Forbidden, NotFound
from furusato.services.uow import UnitOfWork


@dataclass(frozen=True)
class BusinessUpdatesPage:
    project_id: int
    project_title: str
    public: bool  # updates can be posted
    subsidy_yen: int | None  # a funded campaign's payout: what a final report accounts for
    has_final_report: bool
    updates: tuple[UpdateShown, ...]
    messages: tuple[CheerShown, ...]

    @property
    def final_report_due(self) -> bool:
        return self.subsidy_yen is not None and not self.has_final_report


@dataclass(frozen=True)
class MissingFinalReport:
    project_id: int
    project_title: str
    business_name: str
    payout_status: str
    payout_yen: int


@dataclass(frozen=True)
class StaffUpdate:
    update: UpdateShown
    project_title: str


@dataclass(frozen=True)
class StaffUpdatesPage:
    updates: tuple[StaffUpdate, ...]
    missing_final_reports: tuple[MissingFinalReport, ...]


def business_page(actor: User, project_id: int) -> BusinessUpdatesPage:
    with UnitOfWork() as uow:
        session = uow.session
        project = session.get(Project, project_id)
        if project is None:
            raise NotFound("プロジェクトが見つかりません。")
        if not is_owner(actor, project):
            raise Forbidden("このプロジェクトを見る権限がありません。")
        return BusinessUpdatesPage(
            project_id=project.id,
            project_title=project.title,
            public=is_public(project),
            subsidy_yen=updates.subsidy_of(session, project),
            has_final_report=updates.has_final_report(session, project.id),
            updates=tuple(reversed(updates.listed(session, project.id, published_only=False))),
            messages=cheers.listed(session, project.id),
        )


def missing_final_reports(session: Session) -> tuple[MissingFinalReport, ...]:
    """Funded campaigns with a payout and no published final report, oldest payout first."""
    final = exists().where(
        CampaignUpdate.project_id == Project.id,
        CampaignUpdate.is_final.is_(True),
        CampaignUpdate.status == UpdateStatus.PUBLISHED,
    )
    rows = session.execute(
        select(Project.id, Project.title, Business.name, Payout.status, Payout.amount_yen)
        .join(Payout, Payout.project_id == Project.id)
        .join(Business, Business.id == Project.business_id)
        .where(Project.outcome == CampaignOutcome.FUNDED, ~final)
        .order_by(Payout.id)
    )
    return tuple(MissingFinalReport(*row) for row in rows)


def missing_final_count() -> int:
    with UnitOfWork() as uow:
        return len(missing_final_reports(uow.session))


def staff_updates() -> StaffUpdatesPage:
    """The latest updates of every campaign (held ones first), and the final reports missing."""
    with UnitOfWork() as uow:
        session = uow.session
        rows = session.execute(
            select(CampaignUpdate, Project.title)
            .join(Project, Project.id == CampaignUpdate.project_id)
            .order_by(
                (CampaignUpdate.status == UpdateStatus.HELD).desc(),
                CampaignUpdate.published_at.desc(),
                CampaignUpdate.id.desc(),
            )
            .limit(200)
        ).all()
        return StaffUpdatesPage(
            updates=tuple(StaffUpdate(updates.shown(row), title) for row, title in rows),
            missing_final_reports=missing_final_reports(session),
        )


def staff_messages(status: CheerStatus | None) -> tuple[CheerShown, ...]:
    with UnitOfWork() as uow:
        return cheers.listed(uow.session, None, status=status)


def _public_project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None or not is_public(project):
        raise NotFound("プロジェクトが見つかりません。")
    return project


def public_updates(project_id: int) -> tuple[UpdateShown, ...]:
    """A public project's published updates, in time order."""
    with UnitOfWork() as uow:
        _public_project(uow.session, project_id)
        return updates.listed(uow.session, project_id, published_only=True)


def public_messages(project_id: int) -> tuple[CheerShown, ...]:
    """A public project's approved messages, newest first."""
    with UnitOfWork() as uow:
        _public_project(uow.session, project_id)
        return cheers.public(uow.session, project_id)


def update_view(update_id: int) -> UpdateShown:
    """One update, whatever its state (for the caller that just posted or moved it)."""
    with UnitOfWork() as uow:
        row = uow.session.get(CampaignUpdate, update_id)
        if row is None:
            raise NotFound("活動報告が見つかりません。")
        every = updates.listed(uow.session, row.project_id, published_only=False)
        return next(u for u in every if u.id == update_id)


def message_view(message_id: int) -> CheerShown:
    """One message, whatever its state (for the caller that just decided on it)."""
    with UnitOfWork() as uow:
        project_id = uow.session.scalar(
            select(CheerMessage.project_id).where(CheerMessage.id == message_id)
        )
        if project_id is None:
            raise NotFound("応援メッセージが見つかりません。")
        return next(m for m in cheers.listed(uow.session, project_id) if m.id == message_id)
