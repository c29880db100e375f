"""Closing campaigns exactly once and turning them into subsidies, refunds or kept donations.

`settle_due(as_of)` is the sweep beat runs every minute (and `furusato settle-due` by hand):
1. campaigns past their deadline or at their cap are claimed `approved|paused → closing`
   (a conditional UPDATE: two sweeps or workers close a campaign once);
2. a closing campaign waits until its pending donations are paid or expired (past their
   reservation plus a grace, settlement expires them itself, with the same conditional UPDATE
   the payments sweep uses); then the outcome is decided on paid donations and claimed
   `closing → settling` together with marking every paid donation `settlement_state='pending'`,
   the funded campaign's draft payout and its subsidy booking (outcome.py);
3. the pending donations are sent to the worker in chunks (settlement_work.run_chunk); work that
   has not moved for STALL_AFTER, or failed for a transient reason, is sent again; when nothing
   is pending or failed, the campaign is claimed `settling → settled`.
Without a task sender installed (the CLI on its own), chunks run in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from furusato.domain.money import utcnow
from furusato.domain.settlement import (
    PENDING_GRACE,
    STALL_AFTER,
    Progress,
    chunks,
    is_transient,
)
from furusato.domain.states import (
    CAMPAIGN,
    CampaignStatus,
    DonationStatus,
    SettlementState,
)
from furusato.models import Donation, Project, User
from furusato.services import audit, dispatch, per_item
from furusato.services.errors import Conflict, NotFound
from furusato.services.giving import reservations
from furusato.services.settlement import work
from furusato.services.settlement.outcome import Waiting, decide_once
from furusato.services.uow import UnitOfWork

PENDING, DONE, FAILED = (str(s) for s in SettlementState)
CHUNK_TASK = "furusato.settle_chunk"


@dataclass
class SettleReport:
    """What one sweep did (the CLI prints `describe()`)."""

    as_of: datetime
    closed: list[int] = field(default_factory=list)
    expired: int = 0
    waiting: dict[int, int] = field(default_factory=dict)  # project → donations still pending
    decided: list[tuple[int, str, str]] = field(default_factory=list)  # (project, outcome, action)
    chunks_sent: int = 0
    donations_sent: int = 0
    settled: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (project, step), logged
    inline: bool = False

    def describe(self) -> str:
        lines = [f"settle-due as of {self.as_of.isoformat()}"]
        lines.append(f"  closed: {', '.join(map(str, self.closed)) or 'none'}")
        if self.expired:
            lines.append(f"  expired pending donations: {self.expired}")
        for pid, n in sorted(self.waiting.items()):
            lines.append(f"  project {pid}: waiting for {n} pending payment(s)")
        for pid, outcome, action in self.decided:
            lines.append(f"  project {pid}: {outcome} → {action}")
        where = "run here" if self.inline else "sent to the worker"
        lines.append(f"  donations {where}: {self.donations_sent} in {self.chunks_sent} chunk(s)")
        lines.append(f"  settled: {', '.join(map(str, self.settled)) or 'none'}")
        for pid, step in self.failed:
            lines.append(f"  project {pid}: {step} failed (see the log); the others went on")
        return "\n".join(lines)


def settle_due(as_of: datetime | None = None) -> SettleReport:
    """Each campaign on its own (services/per_item.py): one whose step fails is logged and
    named in the report, and the others go on."""
    as_of = as_of or utcnow()
    report = SettleReport(as_of=as_of, inline=not dispatch.is_installed())

    def close(project_id: int) -> None:
        if claim_closing(project_id):
            report.closed.append(project_id)

    def step(name: str, ids: list[int], work: Callable[[int], object]) -> None:
        tally = per_item.each(f"settle-due: {name}", ids, work)
        report.failed.extend((pid, name) for pid in tally.failed_items)

    step("close", _due(as_of), close)
    step(
        "decide",
        _in_status(CampaignStatus.CLOSING),
        lambda pid: advance_closing(pid, as_of, report),
    )
    just_decided = {pid for pid, _, _ in report.decided}
    later = _in_status(CampaignStatus.SETTLING) + _settled_with_late_payments()
    step(
        "resume",
        [p for p in later if p not in just_decided],
        lambda pid: resume(pid, as_of, report),
    )
    return report


def _due(as_of: datetime) -> list[int]:
    with UnitOfWork() as uow:
        return list(
            uow.session.scalars(
                select(Project.id)
                .where(
                    Project.status.in_(CAMPAIGN.sources(CampaignStatus.CLOSING)),
                    or_(
                        and_(Project.deadline.is_not(None), Project.deadline <= as_of),
                        and_(Project.cap_yen > 0, Project.reserved_total_yen >= Project.cap_yen),
                    ),
                )
                .order_by(Project.id)
            )
        )


def _in_status(status: str) -> list[int]:
    with UnitOfWork() as uow:
        return list(
            uow.session.scalars(
                select(Project.id).where(Project.status == status).order_by(Project.id)
            )
        )


def _settled_with_late_payments() -> list[int]:
    """Settled campaigns with a donation paid after settlement (an expired pledge whose payment
    was confirmed late): it is refunded or kept by the campaign's outcome like the others."""
    with UnitOfWork() as uow:
        return list(
            uow.session.scalars(
                select(Donation.project_id)
                .join(Project, Project.id == Donation.project_id)
                .where(
                    Project.status == CampaignStatus.SETTLED,
                    Donation.status == DonationStatus.PAID,
                    Donation.settlement_state.is_(None),
                )
                .distinct()
                .order_by(Donation.project_id)
            )
        )


def claim_closing(project_id: int) -> bool:
    """approved|paused → closing, once: the row count says whether this call won."""
    with UnitOfWork() as uow:
        result = uow.session.execute(
            update(Project)
            .where(
                Project.id == project_id,
                Project.status.in_(CAMPAIGN.sources(CampaignStatus.CLOSING)),
            )
            .values(status=CampaignStatus.CLOSING, closing_at=utcnow())
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        audit.record(
            uow.session,
            None,
            "campaign.closing",
            "project",
            project_id,
            after={"status": "closing"},
        )
        uow.commit()
        return True


def _expire_stale_pending(s: Session, project_id: int, as_of: datetime) -> int:
    """Pending donations long past their reservation (plus a grace for the payments sweep to
    have its say) expire and give their reservation back: the shared rule in reservations."""
    return len(reservations.release_lapsed(s, as_of - PENDING_GRACE, project_id=project_id))


def advance_closing(project_id: int, as_of: datetime, report: SettleReport) -> bool:
    """Decide a closing campaign once no payment is pending; True if this call decided it."""
    with UnitOfWork() as uow:
        report.expired += _expire_stale_pending(uow.session, project_id, as_of)
        uow.commit()
    decided = decide_once(project_id)
    if isinstance(decided, Waiting):
        report.waiting[project_id] = decided.pending
        return False
    if decided is None:
        return False
    report.decided.append((project_id, decided.outcome, decided.action))
    _send(project_id, decided.donation_ids, report)
    if not decided.donation_ids and work.finish(project_id):
        report.settled.append(project_id)
    return True


def resume(project_id: int, as_of: datetime, report: SettleReport) -> None:
    """Send again what is stuck (stale pending, transient failures, late payments); finish."""
    now = utcnow()
    with UnitOfWork() as uow:
        s = uow.session
        # While any of the campaign's donations moved recently its chunks are still flowing
        # through the queue; only a campaign that has stalled gets its pending work re-sent
        # (a killed worker's unacknowledged chunks return only after the broker's timeout).
        last_move = s.scalar(
            select(func.max(Donation.updated_at)).where(
                Donation.project_id == project_id, Donation.settlement_state.is_not(None)
            )
        )
        failed = s.execute(
            select(Donation.id, Donation.settlement_error).where(
                Donation.project_id == project_id, Donation.settlement_state == FAILED
            )
        ).all()
        retry = [r.id for r in failed if is_transient(r.settlement_error)]
        if retry:
            s.execute(
                update(Donation)
                .where(Donation.id.in_(retry), Donation.settlement_state == FAILED)
                .values(settlement_state=PENDING, updated_at=now)
                .execution_options(synchronize_session=False)
            )
        stalled = last_move is None or last_move < as_of - STALL_AFTER
        # A payment confirmed after the decision (an expired donation paid late) joins in.
        resend = [and_(Donation.status == DonationStatus.PAID, Donation.settlement_state.is_(None))]
        if stalled:
            resend.append(Donation.settlement_state == PENDING)
        stale = s.scalars(
            update(Donation)
            .where(Donation.project_id == project_id, or_(*resend))
            .values(settlement_state=PENDING, updated_at=now)
            .returning(Donation.id)
            .execution_options(synchronize_session=False)
        ).all()
        uow.commit()
    ids = sorted({*retry, *stale})
    _send(project_id, ids, report)
    if work.finish(project_id):
        report.settled.append(project_id)


def _send(project_id: int, ids: Sequence[int], report: SettleReport) -> None:
    for chunk in chunks(ids):
        report.chunks_sent += 1
        report.donations_sent += len(chunk)
        if report.inline:
            work.run_chunk(project_id, chunk)  # finishes the campaign after the last
        else:
            dispatch.send(CHUNK_TASK, project_id, chunk)
    if report.inline and ids and project_id not in report.settled:
        with UnitOfWork() as uow:
            project = uow.session.get(Project, project_id)
            if project is not None and project.status == CampaignStatus.SETTLED:
                report.settled.append(project_id)


def progress(project_id: int) -> Progress:
    with UnitOfWork() as uow:
        rows = uow.session.execute(
            select(Donation.settlement_state, func.count(Donation.id))
            .where(Donation.project_id == project_id, Donation.settlement_state.is_not(None))
            .group_by(Donation.settlement_state)
        ).all()
    counts = {state: int(n) for state, n in rows}
    done, pending, failed = counts.get(DONE, 0), counts.get(PENDING, 0), counts.get(FAILED, 0)
    return Progress(total=done + pending + failed, done=done, pending=pending, failed=failed)


def retry_failed(project_id: int, actor: User, ip_address: str = "") -> int:
    """A staff member sends failed donations (card or invalid-request refusals included) back
    to the worker, after looking at why they failed. Audited."""
    with UnitOfWork() as uow:
        s = uow.session
        project = s.get(Project, project_id)
        if project is None:
            raise NotFound("プロジェクトが見つかりません。")
        if project.status != CampaignStatus.SETTLING:
            raise Conflict("精算中のプロジェクトではありません。")
        ids = list(
            s.scalars(
                update(Donation)
                .where(Donation.project_id == project_id, Donation.settlement_state == FAILED)
                .values(settlement_state=PENDING, updated_at=utcnow())
                .returning(Donation.id)
                .execution_options(synchronize_session=False)
            )
        )
        audit.record(
            s,
            actor,
            "settlement.retry_failed",
            "project",
            project_id,
            after={"donation_ids": ids[:100], "count": len(ids)},
            ip_address=ip_address,
        )
        uow.commit()
    report = SettleReport(as_of=utcnow(), inline=not dispatch.is_installed())
    _send(project_id, ids, report)
    return len(ids)
