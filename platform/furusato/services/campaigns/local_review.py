"""Staff confirm the 地場産品基準 item of tiers flagged for review (a code whose meaning changed
when the notice's items were renumbered): the list, its count for the dashboard, and the
decision, which sets the item staff chose, clears the note and is audited.

A flagged tier is never relabelled by the platform itself; only this decision clears its note.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from furusato.domain import local_products, text
from furusato.models import Project, Tier, User
from furusato.services import audit
from furusato.services.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed
from furusato.services.uow import UnitOfWork

MAX_NOTE_CHARS = 1_000


@dataclass(frozen=True)
class FlaggedTier:
    tier_id: int
    project_id: int
    project_title: str
    project_status: str
    amount_yen: int
    gift_name: str
    local_category: int | None  # the stored code, kept as it was
    local_subitem: str | None
    former_label: str  # what the code meant when the tier was stored (a msgid)
    current_label: str  # what the same code means in the notice today (a msgid)
    local_evidence: str
    note: str  # why it is flagged


def _staff(actor: User) -> None:
    if actor.role != "staff":
        raise Forbidden("職員だけが行える操作です。")


def flagged() -> list[FlaggedTier]:
    """Every tier whose item staff must confirm, by campaign and place."""
    with UnitOfWork() as uow:
        rows = uow.session.scalars(
            select(Tier)
            .where(Tier.local_review_note.is_not(None))
            .options(selectinload(Tier.project))
            .order_by(Tier.project_id, Tier.position, Tier.id)
        ).all()
        return [_flagged(tier) for tier in rows]


def _flagged(tier: Tier) -> FlaggedTier:
    project: Project = tier.project
    return FlaggedTier(
        tier_id=tier.id,
        project_id=project.id,
        project_title=project.title,
        project_status=project.status,
        amount_yen=tier.amount_yen,
        gift_name=tier.gift_name,
        local_category=tier.local_category,
        local_subitem=tier.local_subitem,
        former_label=local_products.former_label(tier.local_category),
        current_label=local_products.label(tier.local_category),
        local_evidence=tier.local_evidence,
        note=tier.local_review_note or "",
    )


def flagged_count() -> int:
    with UnitOfWork() as uow:
        count = uow.session.scalar(
            select(func.count()).select_from(Tier).where(Tier.local_review_note.is_not(None))
        )
        return int(count or 0)


def confirm(
    actor: User,
    tier_id: int,
    code: int | None,
    subitem: str | None,
    note: str = "",
    *,
    ip_address: str = "",
) -> None:
    """Staff's decision on a flagged tier: the item it falls under (8号 with its kind), which
    the tier now carries, and the note cleared; audited with the item before and after."""
    _staff(actor)
    subitem = subitem or None
    note = (note or "").strip()
    errors: dict[str, str] = {}
    if not local_products.is_category(code):
        errors["local_category"] = N_("地場産品基準は1〜9号から選んでください。")
    else:
        problem = local_products.subitem_problem(code, subitem)
        if problem:
            errors["local_subitem"] = problem
    if len(note) > MAX_NOTE_CHARS:
        errors["note"] = N_("%(n)s文字以内にしてください。", n=MAX_NOTE_CHARS)
    errors.update(text.problems({"note": note}, multi_line=("note",)))
    if errors:
        raise ValidationFailed("確認した区分を選んでください。", fields=errors)
    with UnitOfWork() as uow:
        tier = uow.session.get(Tier, tier_id, with_for_update=True)
        if tier is None:
            raise NotFound("コースが見つかりません。")
        if tier.local_review_note is None:
            raise Conflict("このコースの区分はすでに確認済みです。")
        before = {
            "local_category": tier.local_category,
            "local_subitem": tier.local_subitem,
            "local_review_note": tier.local_review_note,
        }
        tier.local_category, tier.local_subitem = code, subitem
        tier.local_review_note = None
        audit.record(
            uow.session,
            actor,
            "tier.local_item_confirm",
            "tier",
            tier.id,
            before=before,
            after={"local_category": code, "local_subitem": subitem, "local_review_note": None},
            note=note,
            ip_address=ip_address,
        )
        uow.commit()
