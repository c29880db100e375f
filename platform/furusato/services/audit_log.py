"""Reading the audit log: staff filter it by actor, action, target and date (JST days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, select

from furusato.domain.money import JST
from furusato.models import AuditLog, User
from furusato.services.errors import Forbidden
from furusato.services.uow import UnitOfWork

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # part of the actor's email
    action: str = ""  # exact action, or a prefix ending in "." ("project.")
    target_type: str = ""
    target_id: str = ""
    date_from: date | None = None  # JST calendar days, inclusive
    date_to: date | None = None


@dataclass
class AuditPage:
    entries: list[AuditLog]
    total: int
    page: int
    pages: int


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=JST)


def search(actor: User, flt: AuditFilter, page: int = 1) -> AuditPage:
    if actor.role != "staff":
        raise Forbidden("監査ログは職員だけが閲覧できます。")
    conditions: list[ColumnElement[bool]] = []
    if flt.actor:
        pattern = (
            "%" + flt.actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        conditions.append(AuditLog.actor_email.ilike(pattern, escape="\\"))
    if flt.action:
        if flt.action.endswith("."):
            conditions.append(AuditLog.action.startswith(flt.action, autoescape=True))
        else:
            conditions.append(AuditLog.action == flt.action)
    if flt.target_type:
        conditions.append(AuditLog.target_type == flt.target_type)
    if flt.target_id:
        conditions.append(AuditLog.target_id == flt.target_id)
    if flt.date_from:
        conditions.append(AuditLog.created_at >= _start_of(flt.date_from))
    if flt.date_to:
        conditions.append(AuditLog.created_at < _start_of(flt.date_to + timedelta(days=1)))
    with UnitOfWork() as uow:
        total = (
            uow.session.scalar(select(func.count()).select_from(AuditLog).where(*conditions)) or 0
        )
        # A page past the end shows the last one (a huge number would overflow OFFSET).
        page = min(max(page, 1), max(1, -(-total // PAGE_SIZE)))
        entries = list(
            uow.session.scalars(
                select(AuditLog)
                .where(*conditions)
                .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
        )
        uow.session.expunge_all()
    return AuditPage(entries, total, page, max(1, -(-total // PAGE_SIZE)))


def actions() -> list[str]:
    """The actions present in the log, for the filter's choices."""
    with UnitOfWork() as uow:
        return list(
            uow.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action))
        )
