"""活動報告: the business posts updates to its campaign's page and donors; staff may hold one
back and release it again. A funded campaign's final report (最終報告) is an update flagged
final, with the accounts of what the subsidy paid for (domain/updates.py); its payout cannot be
marked paid until one is published (services/settlement/payouts.py).

Posting (or releasing a held update) asks for its mails after commit; update_mail.py queues one
per donor, once. The Markdown is rendered and sanitised when saved, like the story (story.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from furusato.domain import updates as rules
from furusato.domain.money import utcnow
from furusato.domain.states import UPDATE, CampaignOutcome, UpdateStatus
from furusato.domain.updates import AccountLine
from furusato.models import CampaignUpdate, Payout, Project, UpdateAccountLine, UpdateImage, User
from furusato.services import audit
from furusato.services.campaigns import images, story
from furusato.services.campaigns.projects import is_owner, is_public
from furusato.services.errors import (
    N_,
    Conflict,
    Forbidden,
    NotFound,
    ValidationFailed,
    refuse_control_characters,
)
from furusato.services.uow import UnitOfWork

MAIL_TASK = "furusato.mail_update"
ALREADY_HELD = N_("この活動報告は既に保留されています。")
ALREADY_PUBLISHED = N_("この活動報告は公開中です。")


@dataclass(frozen=True)
class UpdateShown:
    """An update as its readers see it (the page, the API, the business and staff)."""

    id: int
    project_id: int
    title: str
    body_markdown: str
    body_html: str  # sanitised when saved: shown as it is
    is_final: bool
    status: str
    published_at: datetime
    accounts: tuple[AccountLine, ...]
    accounts_total_yen: int
    image_ids: tuple[int, ...]
    mailed_count: int
    held_at: datetime | None
    hold_reason: str


def shown(row: CampaignUpdate, image_ids: Sequence[int] = ()) -> UpdateShown:
    accounts = tuple(AccountLine(line.item, line.amount_yen) for line in row.accounts)
    return UpdateShown(
        id=row.id,
        project_id=row.project_id,
        title=row.title,
        body_markdown=row.body_markdown,
        body_html=row.body_html,
        is_final=row.is_final,
        status=row.status,
        published_at=row.published_at,
        accounts=accounts,
        accounts_total_yen=sum(line.amount_yen for line in accounts),
        image_ids=tuple(image_ids),
        mailed_count=row.mailed_count,
        held_at=row.held_at,
        hold_reason=row.hold_reason,
    )


def listed(session: Session, project_id: int, *, published_only: bool) -> tuple[UpdateShown, ...]:
    """A campaign's updates in time order (oldest first); only published ones for the public."""
    stmt = (
        select(CampaignUpdate)
        .where(CampaignUpdate.project_id == project_id)
        .options(selectinload(CampaignUpdate.accounts))
        .order_by(CampaignUpdate.published_at, CampaignUpdate.id)
    )
    if published_only:
        stmt = stmt.where(CampaignUpdate.status == UpdateStatus.PUBLISHED)
    rows = list(session.scalars(stmt))
    pictures: dict[int, list[int]] = {}
    if rows:
        found = session.execute(
            select(UpdateImage.update_id, UpdateImage.id)
            .where(UpdateImage.update_id.in_([r.id for r in rows]))
            .order_by(UpdateImage.id)
        )
        for update_id, image_id in found:
            pictures.setdefault(update_id, []).append(image_id)
    return tuple(shown(row, pictures.get(row.id, ())) for row in rows)


def subsidy_of(session: Session, project: Project) -> int | None:
    """The subsidy a funded campaign's final report accounts for (its payout), else None."""
    if project.outcome != CampaignOutcome.FUNDED:
        return None
    return session.scalar(select(Payout.amount_yen).where(Payout.project_id == project.id))


def has_final_report(session: Session, project_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    CampaignUpdate.project_id == project_id,
                    CampaignUpdate.is_final.is_(True),
                    CampaignUpdate.status == UpdateStatus.PUBLISHED,
                )
            )
        )
    )


def post(
    actor: User,
    project_id: int,
    *,
    title: str,
    body: str,
    is_final: bool = False,
    accounts: Sequence[AccountLine] = (),
    image: bytes | None = None,
    image_alt: str = "",
    ip_address: str = "",
) -> int:
    """Publish an update of the actor's own public campaign (its mails follow the commit)."""
    title, body = (title or "").strip(), body or ""
    fields = rules.post_problems(title, body)
    if image_alt and len(image_alt) > 200:
        fields["image_alt"] = N_("%(n)s文字以内にしてください。", n=200)
    if fields:
        raise ValidationFailed("入力内容を確認してください。", fields=fields)
    with _own_campaign(actor, project_id) as (uow, project):
        if is_final:
            _check_final(uow.session, project, accounts)
    picture = images.process(image) if image else None  # decoded with no lock held
    with _own_campaign(actor, project_id) as (uow, project):
        session = uow.session
        if is_final:
            _check_final(session, project, accounts)
        row = CampaignUpdate(
            project_id=project.id,
            title=title,
            body_markdown=body,
            body_html=story.render(body),
            is_final=is_final,
            status=UpdateStatus.PUBLISHED,
            author_id=actor.id,
            published_at=utcnow(),
            hold_reason="",
            mailed_count=0,
            accounts=[
                UpdateAccountLine(position=i, item=line.item.strip(), amount_yen=line.amount_yen)
                for i, line in enumerate(accounts if is_final else ())
            ],
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(
                "このプロジェクトの最終報告は既に公開されています。", code="final_report_exists"
            ) from None
        if picture is not None:
            session.add(
                UpdateImage(
                    update_id=row.id,
                    content_type=picture.content_type,
                    large=picture.large,
                    thumbnail=picture.thumbnail,
                    width=picture.width,
                    height=picture.height,
                    alt_text=(image_alt or "").strip(),
                )
            )
        audit.record(
            session,
            actor,
            "update.final_report" if is_final else "update.posted",
            "campaign_update",
            row.id,
            after={"project_id": project.id, "title": title, "is_final": is_final},
            ip_address=ip_address,
        )
        uow.enqueue(MAIL_TASK, row.id)
        uow.commit()
        return row.id


def _check_final(session: Session, project: Project, accounts: Sequence[AccountLine]) -> None:
    subsidy = subsidy_of(session, project)
    if subsidy is None:
        raise Conflict(
            "最終報告は、目標を達成して補助金額が確定したキャンペーンで投稿できます。",
            code="not_funded",
        )
    if has_final_report(session, project.id):
        raise Conflict(
            "このプロジェクトの最終報告は既に公開されています。", code="final_report_exists"
        )
    if fields := rules.accounts_problems(accounts, subsidy):
        raise ValidationFailed(
            fields.get("accounts", "入力内容を確認してください。"), fields=fields
        )


@contextmanager
def _own_campaign(actor: User, project_id: int) -> Iterator[tuple[UnitOfWork, Project]]:
    """A unit of work with the actor's own public campaign, locked until it commits."""
    with UnitOfWork() as uow:
        project = uow.session.scalar(
            select(Project).where(Project.id == project_id).with_for_update()
        )
        if project is None:
            raise NotFound("プロジェクトが見つかりません。")
        if not is_owner(actor, project):
            raise Forbidden("このプロジェクトの活動報告を投稿する権限がありません。")
        if not is_public(project):
            raise Conflict("活動報告は、公開されたプロジェクトで投稿できます。", code="not_public")
        yield uow, project


def hold(actor: User, update_id: int, reason: str, *, ip_address: str = "") -> None:
    """Staff hold an update back: off the page, and not mailed if its mails were not queued."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "保留の理由を入力してください。", fields={"reason": "入力してください。"}
        )
    refuse_control_characters({"reason": reason}, multi_line={"reason"})
    _move(actor, update_id, UpdateStatus.HELD, reason, ip_address)


def release(actor: User, update_id: int, *, ip_address: str = "") -> None:
    """Staff publish a held update again; if it was never mailed, its mails go now."""
    _move(actor, update_id, UpdateStatus.PUBLISHED, "", ip_address)


def _move(actor: User, update_id: int, target: UpdateStatus, reason: str, ip: str) -> None:
    if actor.role != "staff":
        raise Forbidden("職員のみが操作できます。")
    with UnitOfWork() as uow:
        session = uow.session
        row = session.get(CampaignUpdate, update_id)
        if row is None:
            raise NotFound("活動報告が見つかりません。")
        before = row.status
        held = target == UpdateStatus.HELD
        result = session.execute(
            update(CampaignUpdate)
            .where(
                CampaignUpdate.id == update_id,
                CampaignUpdate.status.in_(UPDATE.sources(target)),
            )
            .values(
                status=target,
                held_by_id=actor.id if held else None,
                held_at=utcnow() if held else None,
                hold_reason=reason,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(ALREADY_HELD if held else ALREADY_PUBLISHED, code="update_state")
        audit.record(
            session,
            actor,
            "update.held" if held else "update.released",
            "campaign_update",
            update_id,
            before={"status": before},
            after={"status": str(target), "reason": reason} if held else {"status": str(target)},
            ip_address=ip,
        )
        if not held and row.mailed_at is None:
            uow.enqueue(MAIL_TASK, update_id)
        uow.commit()


def image_bytes(image_id: int, size: str) -> tuple[bytes, str]:
    """A published update's picture ("large" or "thumb"); NotFound for anything else."""
    with UnitOfWork() as uow:
        found = uow.session.execute(
            select(UpdateImage, CampaignUpdate.status)
            .join(CampaignUpdate, CampaignUpdate.id == UpdateImage.update_id)
            .where(UpdateImage.id == image_id)
        ).one_or_none()
        if found is None or found[1] != UpdateStatus.PUBLISHED or size not in ("large", "thumb"):
            raise NotFound("画像が見つかりません。")
        image = found[0]
        return (image.large if size == "large" else image.thumbnail), image.content_type
