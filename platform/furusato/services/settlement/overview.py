"""What staff see of settlement: each closing/settling/settled campaign with its progress and the
donations that failed (and why), so nothing stuck goes unnoticed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from furusato.domain.settlement import (
    Progress,
    error_code,
    error_detail,
    failure_reason,
    is_transient,
)
from furusato.domain.states import CampaignStatus, DonationStatus
from furusato.models import AuditLog, Donation, Project
from furusato.services import dispatch
from furusato.services.errors import NotFound
from furusato.services.settlement import reports
from furusato.services.uow import UnitOfWork

SHOWN_FAILURES = 50


@dataclass(frozen=True)
class Failure:
    donation_id: int
    amount_yen: int
    code: str
    reason: str  # what the code means: a msgid, translated where it is shown
    detail: str  # what was stored after the code (data: an exception's text, values)
    retried_by_sweep: bool


@dataclass(frozen=True)
class CampaignSettlement:
    project_id: int
    title: str
    status: str
    outcome: str | None
    miss_policy: str
    deadline: datetime | None
    closing_at: datetime | None
    settled_at: datetime | None
    pending_payments: int
    progress: Progress
    failures: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class SettlementsPage:
    """The staff settlements page: each campaign's progress, and its last reconciliation."""

    campaigns: list[CampaignSettlement]
    reconciliations: dict[int, AuditLog]


def page() -> SettlementsPage:
    return SettlementsPage(overview(), reports.latest_reconciliations())


def overview(limit: int = 50) -> list[CampaignSettlement]:
    """Closing and settling campaigns first, then the most recently settled ones."""
    states = (CampaignStatus.CLOSING, CampaignStatus.SETTLING, CampaignStatus.SETTLED)
    with UnitOfWork() as uow:
        s = uow.session
        projects = s.scalars(
            select(Project)
            .where(Project.status.in_(states))
            .order_by((Project.status == CampaignStatus.SETTLED).asc(), Project.id.desc())
            .limit(limit)
        ).all()
        ids = [p.id for p in projects]
        counts: dict[int, dict[str, int]] = {pid: {} for pid in ids}
        for pid, state, n in s.execute(
            select(Donation.project_id, Donation.settlement_state, func.count(Donation.id))
            .where(Donation.project_id.in_(ids), Donation.settlement_state.is_not(None))
            .group_by(Donation.project_id, Donation.settlement_state)
        ):
            counts[pid][str(state)] = int(n)
        waiting = dict(
            s.execute(
                select(Donation.project_id, func.count(Donation.id))
                .where(
                    Donation.project_id.in_(ids),
                    Donation.status == DonationStatus.PENDING_PAYMENT,
                )
                .group_by(Donation.project_id)
            ).all()
        )
        failures: dict[int, list[Failure]] = {pid: [] for pid in ids}
        for d in s.execute(
            select(Donation.id, Donation.project_id, Donation.amount_yen, Donation.settlement_error)
            .where(Donation.project_id.in_(ids), Donation.settlement_state == "failed")
            .order_by(Donation.id)
            .limit(SHOWN_FAILURES * 4)
        ):
            if len(failures[d.project_id]) < SHOWN_FAILURES:
                failures[d.project_id].append(
                    Failure(
                        donation_id=d.id,
                        amount_yen=d.amount_yen,
                        code=error_code(d.settlement_error),
                        reason=failure_reason(d.settlement_error),
                        detail=error_detail(d.settlement_error),
                        retried_by_sweep=is_transient(d.settlement_error),
                    )
                )
        out = []
        for p in projects:
            c = counts[p.id]
            done, pending, failed = c.get("done", 0), c.get("pending", 0), c.get("failed", 0)
            out.append(
                CampaignSettlement(
                    project_id=p.id,
                    title=p.title,
                    status=p.status,
                    outcome=p.outcome,
                    miss_policy=p.miss_policy,
                    deadline=p.deadline,
                    closing_at=p.closing_at,
                    settled_at=p.settled_at,
                    pending_payments=int(waiting.get(p.id, 0)),
                    progress=Progress(done + pending + failed, done, pending, failed),
                    failures=failures[p.id],
                )
            )
        return out


def request_reconciliation(project_id: int, actor_id: int) -> bool:
    """Ask the worker to compare the campaign's ledger with the gateway (runs here when no
    worker is connected). True if it was sent to the worker."""
    with UnitOfWork() as uow:
        if uow.session.get(Project, project_id) is None:
            raise NotFound("プロジェクトが見つかりません。")
    if not dispatch.is_installed():
        reports.reconcile(project_id, actor_id)
        return False
    dispatch.send("furusato.reconcile_campaign", project_id, actor_id)
    return True
