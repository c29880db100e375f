"""Audit-log entries for staff (and other privileged) actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from furusato.models import AuditLog, User


def record(
    session: Session,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    ip_address: str = "",
) -> AuditLog:
    """Add an entry in the caller's transaction: it commits, or rolls back, with the change."""
    entry = AuditLog(
        actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=before,
        after=after,
        note=note,
        ip_address=ip_address,
    )
    session.add(entry)
    return entry
