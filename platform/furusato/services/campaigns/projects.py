"""Projects, as the business sees them: drafts, tiers, images and submission for review.

A draft is edited only by its own business and only while it is a draft. The target and cap
are derived from the eligible cost and the subsidy rate every time either changes; nobody types
them. Submitting runs the compliance rules and is refused, with every violation, while any
stands; an accepted submission freezes the project and stores a revision snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer, selectinload

from furusato.config import get_settings
from furusato.domain import money, text
from furusato.domain.campaign import Phase, clock_of, days_left
from furusato.domain.compliance import Rules, Violation, check_project
from furusato.domain.states import (
    CAMPAIGN,
    CampaignOutcome,
    CampaignStatus,
    IllegalTransition,
    MissPolicy,
)
from furusato.models import Business, Project, ProjectImage, ProjectRevision, User
from furusato.services import audit
from furusato.services.campaigns import story
from furusato.services.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed
from furusato.services.uow import UnitOfWork

T = TypeVar("T")

PROJECT_FIELDS = (
    "title",
    "summary",
    "story_markdown",
    "category",
    "eligible_cost_yen",
    "starts_at",
    "deadline",
    "miss_policy",
    "fallback_purpose",
    "fallback_gift_note",
)
TIER_FIELDS = (
    "amount_yen",
    "gift_name",
    "gift_description",
    "procurement_cost_yen",
    "shipping_cost_yen",
    "quantity_limit",
    "delivery_month",
    "delivery_months",
    "local_category",
    "local_subitem",
    "local_evidence",
    "general_price_yen",
    "local_value_added_yen",
    "lodging_price_yen",
    "processed_kind",
    "same_prefecture",
    "position",
)
MAX_ELIGIBLE_COST_YEN = 1_000_000_000_000
MAX_LENGTHS = {"title": 120, "summary": 400, "category": 40, "gift_name": 120}
# Text fields that may hold line breaks; every other text field is a single line.
MULTI_LINE = ("summary", "story_markdown", "fallback_purpose", "fallback_gift_note")


class ComplianceFailed(ValidationFailed):
    """Submission refused: `violations` lists every rule the project breaks."""

    code = "compliance_failed"

    def __init__(self, violations: Sequence[Violation]) -> None:
        fields: dict[str, str] = {}
        for v in violations:
            earlier = fields.get(v.location)  # a lone message stays one a page can translate
            fields[v.location] = f"{earlier} {v.message}" if earlier else v.message
        super().__init__(
            N_("提出できません。%(n)s件の問題を直してください。", n=len(violations)), fields=fields
        )
        self.violations = list(violations)


def rules() -> Rules:
    city = get_settings().city
    return Rules(
        payment_fee_bp=city.payment_fee_bp,
        administration_bp=city.administration_bp,
        max_campaign_days=city.max_campaign_days,
    )


# --- loading and access -------------------------------------------------------------------


def project_query(project_id: int, *, lock: bool = False) -> Any:
    stmt = select(Project).where(Project.id == project_id)
    if lock:
        return stmt.with_for_update()
    return stmt.options(
        selectinload(Project.tiers),
        selectinload(Project.images).options(
            defer(ProjectImage.large), defer(ProjectImage.thumbnail)
        ),
        selectinload(Project.business),
    )


def is_owner(actor: User | None, project: Project) -> bool:
    return bool(actor and actor.role == "business" and actor.business_id == project.business_id)


def is_public(project: Project) -> bool:
    """Past review: anyone may see it (scheduled, live, paused, ended, settled)."""
    return project.status not in (CampaignStatus.DRAFT, CampaignStatus.SUBMITTED)


def can_view(actor: User | None, project: Project) -> bool:
    return is_public(project) or is_owner(actor, project) or bool(actor and actor.role == "staff")


def for_edit(session: Session, actor: User, project_id: int) -> Project:
    """The actor's own draft, locked for the rest of the unit of work."""
    project = session.scalar(project_query(project_id, lock=True))
    if project is None:
        raise NotFound("プロジェクトが見つかりません。")
    if not is_owner(actor, project):
        raise Forbidden("このプロジェクトを編集する権限がありません。")
    if project.status != CampaignStatus.DRAFT:
        raise Conflict("審査に提出したプロジェクトは編集できません。", code="not_draft")
    return project


def load(actor: User | None, project_id: int) -> Project:
    """A project with its tiers and image list, if the actor may see it (detached)."""
    with UnitOfWork() as uow:
        project = uow.session.scalar(project_query(project_id))
        if project is None:
            raise NotFound("プロジェクトが見つかりません。")
        if not can_view(actor, project):
            if actor is not None and actor.role == "business":
                raise Forbidden("このプロジェクトを見る権限がありません。")
            raise NotFound("プロジェクトが見つかりません。")
        return detached(uow, project)


def list_for(actor: User | None, status: str | None = None) -> list[Project]:
    """A business sees its own projects, staff all, everyone else those past review."""
    stmt = select(Project).options(
        selectinload(Project.tiers),
        selectinload(Project.business),
        selectinload(Project.images).options(
            defer(ProjectImage.large), defer(ProjectImage.thumbnail)
        ),
    )
    if actor is not None and actor.role == "business":
        stmt = stmt.where(Project.business_id == actor.business_id)
    elif actor is None or actor.role != "staff":
        stmt = stmt.where(Project.status.not_in([CampaignStatus.DRAFT, CampaignStatus.SUBMITTED]))
    if status:
        stmt = stmt.where(Project.status == status)
    with UnitOfWork() as uow:
        return detached(uow, list(uow.session.scalars(stmt.order_by(Project.id.desc()))))


def detached(uow: UnitOfWork, loaded: T) -> T:
    """Hand loaded rows to the caller: the unit of work's rollback must not expire them."""
    uow.session.expunge_all()
    return loaded


def violations_of(project: Project) -> list[Violation]:
    """The current compliance report (a draft shows it as a to-do list)."""
    return check_project(project, rules(), money.utcnow())


# --- drafts ---------------------------------------------------------------------------------


def _clean_project_values(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(PROJECT_FIELDS)
    if "subsidy_rate_percent" in unknown:
        raise Forbidden("補助率は市の職員だけが変更できます。", code="subsidy_rate_staff_only")
    if unknown:
        raise ValidationFailed(
            "変更できない項目があります。", fields={k: "not editable" for k in sorted(unknown)}
        )
    errors: dict[str, str] = {}
    out = dict(values)
    for name in (
        "title",
        "summary",
        "story_markdown",
        "category",
        "fallback_purpose",
        "fallback_gift_note",
    ):
        if name in out:
            out[name] = (out[name] or "").strip()
            limit = MAX_LENGTHS.get(name, story.MAX_STORY_CHARS)
            if len(out[name]) > limit:
                errors[name] = N_("%(n)s文字以内にしてください。", n=limit)
    errors.update(text.problems(out, multi_line=MULTI_LINE))
    if "title" in out and not out["title"]:
        errors["title"] = N_("タイトルを入力してください。")
    if "eligible_cost_yen" in out:
        cost = out["eligible_cost_yen"]
        if not isinstance(cost, int) or isinstance(cost, bool) or cost < 0:
            errors["eligible_cost_yen"] = N_("補助対象経費は0以上の整数（円）で入力してください。")
        elif cost > MAX_ELIGIBLE_COST_YEN:  # its target and cap must fit the BIGINT columns
            errors["eligible_cost_yen"] = N_(
                "補助対象経費は%(max)s円以下にしてください。",
                max=format(MAX_ELIGIBLE_COST_YEN, ","),
            )
    if "miss_policy" in out and out["miss_policy"] not in set(MissPolicy):
        errors["miss_policy"] = N_("目標未達時の扱いを選んでください。")
    for name in ("starts_at", "deadline"):
        moment = out.get(name)
        if moment is not None and (not isinstance(moment, datetime) or moment.tzinfo is None):
            errors[name] = N_("日時はタイムゾーン付きで指定してください。")
    if errors:
        raise ValidationFailed("入力内容を確認してください。", fields=errors)
    return out


def _apply(project: Project, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        setattr(project, name, value)
    if "story_markdown" in values:
        project.story_html = story.render(project.story_markdown)
    derive_amounts(project)


def derive_amounts(project: Project) -> None:
    cost, rate = project.eligible_cost_yen or 0, project.subsidy_rate_percent
    project.target_yen = money.target_yen(cost, rate) if cost > 0 else 0
    project.cap_yen = money.cap_yen(cost, rate) if cost > 0 else 0


def create_draft(actor: User, values: Mapping[str, Any]) -> int:
    if actor.role != "business" or actor.business_id is None:
        raise Forbidden("プロジェクトを作成できるのは事業者だけです。")
    clean = _clean_project_values(values)
    if "title" not in clean:
        raise ValidationFailed("タイトルを入力してください。", fields={"title": "required"})
    with UnitOfWork() as uow:
        project = Project(
            business_id=actor.business_id,
            subsidy_rate_percent=get_settings().city.default_subsidy_rate_percent,
            status=CampaignStatus.DRAFT,
            miss_policy=MissPolicy.REFUND,
            eligible_cost_yen=0,
        )
        _apply(project, clean)
        uow.session.add(project)
        uow.commit()
        return project.id


def update_draft(actor: User, project_id: int, changes: Mapping[str, Any]) -> None:
    clean = _clean_project_values(changes)
    with UnitOfWork() as uow:
        project = for_edit(uow.session, actor, project_id)
        _apply(project, clean)
        uow.commit()


# --- submission -----------------------------------------------------------------------------


def snapshot(project: Project) -> dict[str, Any]:
    """The project as submitted, in plain JSON (dates as ISO strings)."""

    def plain(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        return value.isoformat() if isinstance(value, date | datetime) else value

    data = {name: plain(getattr(project, name)) for name in PROJECT_FIELDS}
    data.update(
        subsidy_rate_percent=project.subsidy_rate_percent,
        target_yen=project.target_yen,
        cap_yen=project.cap_yen,
        images=[image.id for image in project.images],
        tiers=[
            {"id": tier.id} | {name: plain(getattr(tier, name)) for name in TIER_FIELDS}
            for tier in project.tiers
        ],
    )
    return data


def _bank_violations(business: Business) -> list[Violation]:
    if business.bank_code and business.account_number and business.account_holder_kana:
        return []
    return [
        Violation(
            "bank_account_missing", N_("補助金の振込口座を登録してください。"), "bank_account"
        )
    ]


def submit(actor: User, project_id: int) -> int:
    """Send a draft to review; returns the revision number. Refused with every violation."""
    with UnitOfWork() as uow:
        project = for_edit(uow.session, actor, project_id)
        try:
            CAMPAIGN.check(project.status, CampaignStatus.SUBMITTED)
        except IllegalTransition as exc:
            raise Conflict("このプロジェクトは提出できません。") from exc
        moment = money.utcnow()
        violations = check_project(project, rules(), moment) + _bank_violations(project.business)
        if violations:
            raise ComplianceFailed(violations)
        number = 1 + (
            uow.session.scalar(
                select(func.max(ProjectRevision.number)).where(
                    ProjectRevision.project_id == project.id
                )
            )
            or 0
        )
        uow.session.add(
            ProjectRevision(
                project_id=project.id,
                number=number,
                snapshot=snapshot(project),
                submitted_by_id=actor.id,
                submitted_at=moment,
            )
        )
        before = {"status": project.status}
        project.status = CampaignStatus.SUBMITTED
        project.submitted_at = moment
        audit.record(
            uow.session,
            actor,
            "project.submit",
            "project",
            project.id,
            before=before,
            after={"status": project.status, "revision": number},
        )
        uow.commit()
        return number


# --- the business's dashboard -----------------------------------------------------------------


@dataclass(frozen=True)
class DashboardRow:
    project: Project
    phase: str
    paid_total_yen: int
    percent_of_target: int  # floor, may pass 100
    days_left: int | None
    funded: bool


_COUNTING = (Phase.SCHEDULED, Phase.LIVE, Phase.PAUSED)


def dashboard(actor: User) -> list[DashboardRow]:
    """The business's projects with where each stands and how far the donations got."""
    moment = money.utcnow()
    rows = []
    for project in list_for(actor):
        phase = clock_of(project).phase(moment)
        percent = project.paid_total_yen * 100 // project.target_yen if project.target_yen else 0
        rows.append(
            DashboardRow(
                project=project,
                phase=str(phase),
                paid_total_yen=project.paid_total_yen,
                percent_of_target=percent,
                days_left=days_left(project.deadline, moment) if phase in _COUNTING else None,
                funded=project.outcome == CampaignOutcome.FUNDED
                or project.target_reached_at is not None,
            )
        )
    return rows
