"""A draft's donation tiers, added and edited by its business; and the tiers a funded
campaign's business proposes with a next goal, checked in full and added once approved.

Values the database could not store (an amount under 2,000 yen, negative costs) are refused at
once with the field named; the other rules (the 30 % and 50 % shares, local-product evidence)
wait for the submission check, so a business can save a draft and see its to-do list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, func, select
from sqlalchemy.orm import Session

from furusato.domain import deliveries, text
from furusato.domain.compliance import check_tier, local_rules_day
from furusato.domain.local_products import PROCESSED_KINDS, SUBITEMS, is_category
from furusato.domain.money import utcnow
from furusato.domain.pledge import MAX_DONATION_YEN
from furusato.models import Project, Tier, User
from furusato.models.base import MonthList
from furusato.services.campaigns.projects import MAX_LENGTHS, TIER_FIELDS, for_edit, rules
from furusato.services.errors import N_, NotFound, ValidationFailed
from furusato.services.uow import UnitOfWork

# Tier problems the database cannot even store; the rest wait for the submission check.
# Beyond these a tier could never be given to (the largest donation), or the INTEGER column
# could not hold the number: refused like the hard codes, instead of failing at the INSERT.
STORABLE_MAX = {
    "amount_yen": MAX_DONATION_YEN,
    "procurement_cost_yen": MAX_DONATION_YEN,
    "shipping_cost_yen": MAX_DONATION_YEN,
    "quantity_limit": 1_000_000,
    "general_price_yen": MAX_DONATION_YEN,
    "local_value_added_yen": MAX_DONATION_YEN,
    "lodging_price_yen": MAX_DONATION_YEN,
}
HARD_TIER_CODES = {
    "amount_not_positive",
    "amount_below_minimum",
    "cost_not_integer",
    "quantity_not_positive",
}


def _clean_tier_values(values: Mapping[str, Any], current: Tier | None) -> dict[str, Any]:
    unknown = set(values) - set(TIER_FIELDS)
    if unknown:
        raise ValidationFailed(
            "変更できない項目があります。", fields={k: "not editable" for k in sorted(unknown)}
        )
    out = dict(values)
    errors: dict[str, str] = {}
    for name in ("gift_name", "gift_description", "local_evidence"):
        if name in out:
            out[name] = (out[name] or "").strip()
    if len(out.get("gift_name", "")) > MAX_LENGTHS["gift_name"]:
        errors["gift_name"] = N_("%(n)s文字以内にしてください。", n=MAX_LENGTHS["gift_name"])
    errors.update(text.problems(out, multi_line=("gift_description", "local_evidence")))
    category = out.get("local_category")
    if category is not None and not is_category(category):
        errors["local_category"] = N_("地場産品基準は1〜9号から選んでください。")
    errors.update(_clean_local_facts(out, current))
    month = out.get("delivery_month")
    if month is not None:
        if not isinstance(month, date):
            errors["delivery_month"] = N_("お届け予定月を正しく入力してください。")
        else:
            out["delivery_month"] = month.replace(day=1)
    if "delivery_months" in out:
        errors.update(_clean_schedule(out))
    merged = {name: getattr(current, name, None) for name in TIER_FIELDS} | out
    months = merged.get("delivery_months")
    if isinstance(months, list) and months and "delivery_months" not in errors:
        out["delivery_month"] = merged["delivery_month"] = months[0]  # a 定期便's first month
    merged.setdefault("amount_yen", None)
    for name, default in (("procurement_cost_yen", 0), ("shipping_cost_yen", 0), ("gift_name", "")):
        if merged.get(name) is None:
            merged[name] = default
            out.setdefault(name, default)
    probe = _TierProbe(**{k: merged.get(k) for k in _TierProbe.__annotations__})
    # Only the hard codes are looked at here: the dated rules wait for the submission.
    hard = check_tier(probe, 0, rules(), date.min) if isinstance(probe.amount_yen, int) else []
    for v in hard:
        if v.code in HARD_TIER_CODES:
            errors.setdefault(v.field, v.message)
    if not isinstance(probe.amount_yen, int):
        errors["amount_yen"] = N_("寄附額は正の整数（円）で入力してください。")
    for name, limit in STORABLE_MAX.items():
        value = merged.get(name)
        if isinstance(value, int) and value > limit:
            errors.setdefault(name, N_("%(max)s以下にしてください。", max=format(limit, ",")))
    if errors:
        raise ValidationFailed("コースの入力内容を確認してください。", fields=errors)
    return out


def _clean_local_facts(out: dict[str, Any], current: Tier | None) -> dict[str, str]:
    """The facts the local-product rules read, as the columns hold them: a kind (イ/ロ/ハ) only
    with 8号 (else the row could not be stored), yen amounts as integers, a flag as a bool."""
    errors: dict[str, str] = {}
    for name in ("local_subitem", "processed_kind"):
        if name in out and not out[name]:
            out[name] = None
    if out.get("local_subitem") not in (None, *SUBITEMS):
        errors["local_subitem"] = N_("イ・ロ・ハから選んでください。")
    if out.get("processed_kind") not in (None, *PROCESSED_KINDS):
        errors["processed_kind"] = N_("熟成肉・精米のどちらかを選ぶか、空欄にしてください。")
    category = out.get("local_category", getattr(current, "local_category", None))
    subitem = out.get("local_subitem", getattr(current, "local_subitem", None))
    if subitem and category != 8:
        errors.setdefault(
            "local_subitem", N_("イ・ロ・ハは8号（共通返礼品等）のときだけ選べます。")
        )
    for name in ("general_price_yen", "local_value_added_yen", "lodging_price_yen"):
        value = out.get(name)
        least = 1 if name == "lodging_price_yen" else 0
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < least
        ):
            errors[name] = N_("%(min)s以上の整数（円）で入力してください。", min=least)
    if "same_prefecture" in out:
        if not isinstance(out["same_prefecture"], bool):
            errors["same_prefecture"] = N_("はい・いいえで答えてください。")
    return errors


def _clean_schedule(out: dict[str, Any]) -> dict[str, str]:
    """A 定期便's months as stored (first days; one month is a single delivery), or the
    reason they cannot be: refused at once, like a month that is not a month."""
    months = out["delivery_months"] or []
    if not isinstance(months, list | tuple) or not all(isinstance(m, date) for m in months):
        return {"delivery_months": N_("お届け月を正しく入力してください。")}
    months = [m.replace(day=1) for m in months]
    if len(months) == 1:  # one delivery: its month is the tier's promised month
        out["delivery_month"], out["delivery_months"] = months[0], []
        return {}
    problem = deliveries.schedule_problem(months)
    out["delivery_months"] = months
    return {"delivery_months": problem} if problem else {}


class _TierProbe:
    """Just enough of a tier to run the rules on values not yet stored."""

    amount_yen: int
    gift_name: str
    gift_description: str
    procurement_cost_yen: int
    shipping_cost_yen: int
    local_category: int | None
    local_subitem: str | None
    local_evidence: str
    general_price_yen: int | None
    local_value_added_yen: int | None
    lodging_price_yen: int | None
    processed_kind: str | None
    same_prefecture: bool
    quantity_limit: int | None
    delivery_month: date | None
    delivery_months: list[date]

    def __init__(self, **values: Any) -> None:
        for name in self.__annotations__:
            setattr(self, name, values.get(name))
        self.gift_description = self.gift_description or ""
        self.local_evidence = self.local_evidence or ""
        self.same_prefecture = bool(self.same_prefecture)
        self.delivery_months = self.delivery_months or []


def add_tier(actor: User, project_id: int, values: Mapping[str, Any]) -> int:
    clean = _clean_tier_values(values, None)
    with UnitOfWork() as uow:
        project = for_edit(uow.session, actor, project_id)
        if "position" not in clean:
            top = uow.session.scalar(
                select(func.max(Tier.position)).where(Tier.project_id == project.id)
            )
            clean["position"] = 0 if top is None else top + 1
        tier = Tier(project_id=project.id, **clean)
        uow.session.add(tier)
        uow.commit()
        return tier.id


def _tier_of(session: Session, project: Project, tier_id: int) -> Tier:
    tier = session.get(Tier, tier_id)
    if tier is None or tier.project_id != project.id:
        raise NotFound("コースが見つかりません。")
    return tier


def update_tier(actor: User, project_id: int, tier_id: int, values: Mapping[str, Any]) -> None:
    with UnitOfWork() as uow:
        project = for_edit(uow.session, actor, project_id)
        tier = _tier_of(uow.session, project, tier_id)
        for name, value in _clean_tier_values(values, tier).items():
            setattr(tier, name, value)
        uow.commit()


def delete_tier(actor: User, project_id: int, tier_id: int) -> None:
    with UnitOfWork() as uow:
        project = for_edit(uow.session, actor, project_id)
        uow.session.delete(_tier_of(uow.session, project, tier_id))
        uow.commit()


# --- tiers proposed for a live campaign (with a next goal) ----------------------------------


def checked_new_tier(values: Mapping[str, Any], index: int) -> tuple[dict[str, Any], list[Any]]:
    """A tier proposed for a campaign already live: its values cleaned as a draft's are (a
    ValidationFailed for what could not be stored) and every rule it breaks, with `index` as
    its place in the proposal. No draft stage follows, so every rule must pass."""
    clean = _clean_tier_values({k: v for k, v in values.items() if k != "position"}, None)
    probe = _TierProbe(**{k: clean.get(k) for k in _TierProbe.__annotations__})
    return clean, check_tier(probe, index, rules(), local_rules_day(utcnow()))


def recheck(stored: Mapping[str, Any], index: int) -> list[Any]:
    """The rules a stored proposed tier breaks today (the city's fees may have changed)."""
    values = from_json(stored)
    probe = _TierProbe(**{k: values.get(k) for k in _TierProbe.__annotations__})
    return check_tier(probe, index, rules(), local_rules_day(utcnow()))


def to_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """Cleaned tier values as plain JSON (dates as ISO strings), to keep with a proposal."""

    def plain(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        return value.isoformat() if isinstance(value, date) else value

    return {name: plain(value) for name, value in values.items()}


def from_json(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The tier values `to_json` kept, with the dates the tier's columns hold."""
    columns = Tier.__table__.c
    out: dict[str, Any] = {}
    for name, value in stored.items():
        if name not in columns:  # a field the tiers no longer have
            continue
        kind = columns[name].type
        if isinstance(kind, MonthList):
            value = [date.fromisoformat(m) for m in value or ()]
        elif isinstance(kind, Date) and isinstance(value, str):
            value = date.fromisoformat(value)
        out[name] = value
    return out


def add_approved(
    session: Session, project_id: int, stored: Sequence[Mapping[str, Any]]
) -> list[int]:
    """The proposed tiers as tiers of the campaign, after its others (in the caller's unit of
    work, the project row locked)."""
    top = session.scalar(select(func.max(Tier.position)).where(Tier.project_id == project_id))
    made = []
    for n, values in enumerate(stored, start=1):
        tier = Tier(project_id=project_id, position=(top or 0) + n, **from_json(values))
        session.add(tier)
        made.append(tier)
    session.flush()
    return [tier.id for tier in made]
