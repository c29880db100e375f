"""What changed between two submitted snapshots of a project, for the staff review page.

A snapshot is plain JSON: the project's fields and a list of tiers, each with its `id`. Tiers are
matched by id, so an edited tier shows as changed fields, not as one removed and one added.
The labels and a tier's name are messages (N_), which the page shows in its language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from furusato.domain.messages import N_

PROJECT_LABELS = {
    "title": N_("タイトル"),
    "summary": N_("概要"),
    "story_markdown": N_("本文"),
    "category": N_("分野"),
    "eligible_cost_yen": N_("補助対象経費"),
    "subsidy_rate_percent": N_("補助率"),
    "target_yen": N_("目標額"),
    "cap_yen": N_("上限額"),
    "starts_at": N_("開始日時"),
    "deadline": N_("締切日時"),
    "miss_policy": N_("目標未達時の扱い"),
    "fallback_purpose": N_("未達時の使い道"),
    "fallback_gift_note": N_("未達時の返礼品"),
    "images": N_("画像"),
}
TIER_LABELS = {
    "amount_yen": N_("寄附額"),
    "gift_name": N_("返礼品名"),
    "gift_description": N_("返礼品の説明"),
    "procurement_cost_yen": N_("調達費"),
    "shipping_cost_yen": N_("送料"),
    "quantity_limit": N_("数量限定"),
    "delivery_month": N_("お届け予定月"),
    "delivery_months": N_("定期便のお届け月"),
    "local_category": N_("地場産品基準"),
    "local_subitem": N_("8号の種類"),
    "local_evidence": N_("地場産品の根拠"),
    "general_price_yen": N_("一般販売価格"),
    "local_value_added_yen": N_("区域内の付加価値"),
    "lodging_price_yen": N_("宿泊の1人1泊あたりの料金"),
    "processed_kind": N_("熟成肉・精米"),
    "same_prefecture": N_("原材料が同じ都道府県産"),
}


@dataclass(frozen=True)
class Change:
    where: str  # "タイトル" or "コース2（10,000円）: 調達費" (a message)
    kind: str  # changed | added | removed
    before: Any = None  # the field's value, or for an added or removed tier its summary
    after: Any = None


def diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[Change]:
    """Changes from `old` to `new`; with no earlier snapshot there is nothing to compare."""
    if old is None:
        return []
    changes = [
        Change(label, "changed", old.get(key), new.get(key))
        for key, label in PROJECT_LABELS.items()
        if old.get(key) != new.get(key)
    ]
    old_tiers = {t["id"]: t for t in old.get("tiers", [])}
    new_tiers = {t["id"]: t for t in new.get("tiers", [])}
    for position, tier in enumerate(new.get("tiers", []), start=1):
        name = _tier_name(position, tier)
        before = old_tiers.get(tier["id"])
        if before is None:
            changes.append(Change(name, "added", None, _summary(tier)))
            continue
        for key, label in TIER_LABELS.items():
            if before.get(key) != tier.get(key):
                where = N_("%(tier)s: %(field)s", tier=name, field=label)
                changes.append(Change(where, "changed", before.get(key), tier.get(key)))
    for position, tier in enumerate(old.get("tiers", []), start=1):
        if tier["id"] not in new_tiers:
            changes.append(Change(_tier_name(position, tier), "removed", _summary(tier), None))
    return changes


def _tier_name(position: int, tier: Mapping[str, Any]) -> str:
    return N_(
        "コース%(n)s（%(amount)s円）", n=position, amount=format(tier.get("amount_yen", 0), ",")
    )


def _summary(tier: Mapping[str, Any]) -> str:
    gift = tier.get("gift_name") or N_("返礼品なし")
    return N_("%(amount)s円 / %(gift)s", amount=format(tier.get("amount_yen", 0), ","), gift=gift)
