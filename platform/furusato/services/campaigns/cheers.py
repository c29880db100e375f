"""応援メッセージ: a donor's message left with the pledge, moderated before anyone reads it.

A message waits (pending) until the campaign's business or staff approve it; the business may
decline it, and staff may hide any message, shown or not, with a reason (audited). The business
may reply once. The page shows approved messages of paid donations only: a pledge never paid
leaves nothing on the page. The name is the one the donor chose to show, or none (匿名).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from furusato.domain import cheer
from furusato.domain.cheer import CheerChoice
from furusato.domain.money import utcnow
from furusato.domain.states import CHEER, CheerStatus, DonationStatus
from furusato.models import CheerMessage, Donation, Project, User
from furusato.services import audit
from furusato.services.campaigns.projects import is_owner
from furusato.services.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ValidationFailed,
    refuse_control_characters,
)
from furusato.services.uow import UnitOfWork

PUBLIC_LIMIT = 100


@dataclass(frozen=True)
class CheerShown:
    id: int
    project_id: int
    project_title: str
    body: str
    display_name: str  # "" when the donor chose 匿名
    status: str
    created_at: datetime
    reply: str | None
    replied_at: datetime | None

    @property
    def anonymous(self) -> bool:
        return not self.display_name


def record(session: Session, *, donation_id: int, project_id: int, choice: CheerChoice) -> None:
    """Keep the pledge's message (checked already: domain/cheer.py), waiting for approval."""
    if not choice.given:
        return
    session.add(
        CheerMessage(
            donation_id=donation_id,
            project_id=project_id,
            body=choice.message.strip(),
            display_name="" if choice.anonymous else choice.display_name.strip(),
            status=CheerStatus.PENDING,
            created_at=utcnow(),
        )
    )


def _query() -> Select[CheerMessage, str]:  # a message with its project's title
    stmt = (
        select(CheerMessage, Project.title)
        .join(Donation, Donation.id == CheerMessage.donation_id)
        .join(Project, Project.id == CheerMessage.project_id)
        .where(Donation.status.in_((DonationStatus.PAID, DonationStatus.REFUNDED)))
    )
    return stmt


def _shown(row: CheerMessage, title: str) -> CheerShown:
    return CheerShown(
        id=row.id,
        project_id=row.project_id,
        project_title=title,
        body=row.body,
        display_name=row.display_name,
        status=row.status,
        created_at=row.created_at,
        reply=row.reply,
        replied_at=row.replied_at,
    )


def listed(
    session: Session, project_id: int | None, *, status: CheerStatus | None = None
) -> tuple[CheerShown, ...]:
    """Messages of paid donations, newest first: one campaign's, or every campaign's."""
    stmt = _query().order_by(CheerMessage.created_at.desc(), CheerMessage.id.desc())
    if project_id is not None:
        stmt = stmt.where(CheerMessage.project_id == project_id)
    if status is not None:
        stmt = stmt.where(CheerMessage.status == status)
    return tuple(_shown(row, title) for row, title in session.execute(stmt.limit(500)))


def public(session: Session, project_id: int) -> tuple[CheerShown, ...]:
    """What the project page shows: approved messages, newest first."""
    return listed(session, project_id, status=CheerStatus.APPROVED)[:PUBLIC_LIMIT]


def _message(session: Session, actor: User, message_id: int) -> tuple[CheerMessage, Project]:
    """The message, if the actor is staff or the campaign's business; locked."""
    row = session.scalar(
        select(CheerMessage).where(CheerMessage.id == message_id).with_for_update()
    )
    project = session.get(Project, row.project_id) if row is not None else None
    if row is None or project is None:
        raise NotFound("応援メッセージが見つかりません。")
    if actor.role != "staff" and not is_owner(actor, project):
        raise Forbidden("この応援メッセージを扱う権限がありません。")
    return row, project


def approve(actor: User, message_id: int, *, ip_address: str = "") -> None:
    """Show a waiting message on the project page (its business, or staff)."""
    _decide(actor, message_id, CheerStatus.APPROVED, "", ip_address)


def hide(actor: User, message_id: int, reason: str = "", *, ip_address: str = "") -> None:
    """Take a message off the page, or decline a waiting one. The business may decline only
    what waits; staff may hide any message, and say why (both audited)."""
    reason = (reason or "").strip()
    refuse_control_characters({"reason": reason}, multi_line={"reason"})
    if actor.role == "staff" and not reason:
        raise ValidationFailed(
            "非表示にする理由を入力してください。", fields={"reason": "入力してください。"}
        )
    _decide(actor, message_id, CheerStatus.HIDDEN, reason, ip_address)


def _decide(actor: User, message_id: int, target: CheerStatus, reason: str, ip: str) -> None:
    with UnitOfWork() as uow:
        session = uow.session
        row, _project = _message(session, actor, message_id)
        sources = CHEER.sources(target)
        if actor.role != "staff":
            sources = tuple(s for s in sources if s == CheerStatus.PENDING)
        before = row.status
        result = session.execute(
            update(CheerMessage)
            .where(CheerMessage.id == message_id, CheerMessage.status.in_(sources))
            .values(status=target, decided_by_id=actor.id, decided_at=utcnow())
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("この応援メッセージは既に判断されています。", code="cheer_state")
        audit.record(
            session,
            actor,
            f"cheer.{target}",
            "cheer_message",
            message_id,
            before={"status": before},
            after={"status": str(target)},
            note=reason,
            ip_address=ip,
        )
        uow.commit()


def reply(actor: User, message_id: int, text: str, *, ip_address: str = "") -> None:
    """The campaign's business answers a message, once."""
    text = (text or "").strip()
    if problem := cheer.reply_problem(text):
        raise ValidationFailed(problem, fields={"reply": problem})
    with UnitOfWork() as uow:
        session = uow.session
        row, project = _message(session, actor, message_id)
        if not is_owner(actor, project):
            raise Forbidden("返信できるのはプロジェクトの事業者です。")
        result = session.execute(
            update(CheerMessage)
            .where(
                CheerMessage.id == row.id,
                CheerMessage.reply.is_(None),
                CheerMessage.status != CheerStatus.HIDDEN,
            )
            .values(reply=text, replied_by_id=actor.id, replied_at=utcnow())
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(
                "この応援メッセージには既に返信しています（返信は1回です）。", code="replied"
            )
        audit.record(
            session,
            actor,
            "cheer.replied",
            "cheer_message",
            message_id,
            after={"reply": text},
            ip_address=ip_address,
        )
        uow.commit()
