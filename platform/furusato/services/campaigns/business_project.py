"""A business's own project page, read in one call: the project, its compliance to-do list
while it is a draft, and its funding curve once it is public (the running total of paid
donations per JST day, against its target and its cap)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from furusato.domain import charts
from furusato.domain.compliance import Violation
from furusato.domain.money import to_jst, utcnow
from furusato.domain.states import CampaignStatus
from furusato.models import Donation, Project, User
from furusato.services.campaigns import projects
from furusato.services.errors import Forbidden
from furusato.services.uow import UnitOfWork


@dataclass(frozen=True)
class BusinessProjectPage:
    project: Project
    violations: list[Violation] = field(default_factory=list)
    funding: charts.Curve | None = None  # None until the campaign has a start and a deadline
    funding_narrow: charts.Curve | None = None  # the same, drawn for a phone


def paid_per_day(project_id: int) -> dict[date, int]:
    """Yen paid per JST day (donations refunded later included: the curve is what came in)."""
    totals: Counter[date] = Counter()
    with UnitOfWork() as uow:
        rows = uow.session.execute(
            select(Donation.paid_at, Donation.amount_yen).where(
                Donation.project_id == project_id, Donation.paid_at.is_not(None)
            )
        )
        for paid_at, amount in rows:
            if paid_at is None:  # excluded by the query; says so to the type checker
                continue
            totals[to_jst(paid_at).date()] += amount
    return dict(totals)


def funding_curves(project: Project) -> tuple[charts.Curve, charts.Curve] | None:
    """The running total drawn wide and narrow (for a phone), or None before the campaign is
    public or without its dates."""
    if project.starts_at is None or project.deadline is None:
        return None
    if project.status in (CampaignStatus.DRAFT, CampaignStatus.SUBMITTED):
        return None
    paid = paid_per_day(project.id)
    wide, narrow = (
        charts.running_total(
            paid,
            to_jst(project.starts_at).date(),
            to_jst(project.deadline).date(),
            until=to_jst(utcnow()).date(),
            levels=[("target", project.target_yen), ("cap", project.cap_yen)],
            frame=frame,
        )
        for frame in (charts.WIDE, charts.NARROW)
    )
    return wide, narrow


def page(actor: User, project_id: int) -> BusinessProjectPage:
    """The project page of the business that owns it (another business is refused)."""
    project = projects.load(actor, project_id)
    if not projects.is_owner(actor, project):
        raise Forbidden("このプロジェクトを見る権限がありません。")
    if project.status == CampaignStatus.DRAFT:
        return BusinessProjectPage(project, violations=projects.violations_of(project))
    curves = funding_curves(project)
    if curves is None:
        return BusinessProjectPage(project)
    return BusinessProjectPage(project, funding=curves[0], funding_narrow=curves[1])
