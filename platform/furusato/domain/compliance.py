"""The furusato nozei rules a project and each of its gift tiers must meet before review.

`check_project` returns every violation at once (never just the first), each with a stable
machine `code`, a Japanese `message` and where it applies: a project field, or a tier index and
field. All money arithmetic is in integer yen and basis points. The local-product rules
(local_products.py) are those in force on the day checked: a submission's or review's day in
Japan time; without a day, every rule added so far. A 定期便 (a tier of N
deliveries, deliveries.py) counts all of them: its procurement cost × N against the 30 % rule,
and procurement and shipping × N in the 50 % estimate.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Protocol

from furusato.domain import deliveries
from furusato.domain.local_products import is_category, tier_problems
from furusato.domain.messages import N_
from furusato.domain.money import MIN_DONATION_YEN, basis_points, to_jst

GIFT_SHARE_LIMIT_PERCENT = 30  # gift procurement cost ≤ 30 % of the donation
COST_SHARE_LIMIT_PERCENT = 50  # all solicitation costs ≤ 50 % of the donation


class TierLike(Protocol):
    @property
    def amount_yen(self) -> int: ...
    @property
    def gift_name(self) -> str: ...
    @property
    def gift_description(self) -> str: ...
    @property
    def procurement_cost_yen(self) -> int: ...
    @property
    def shipping_cost_yen(self) -> int: ...
    @property
    def local_category(self) -> int | None: ...
    @property
    def local_subitem(self) -> str | None: ...  # 8号: i / ro / ha
    @property
    def local_evidence(self) -> str: ...
    @property
    def general_price_yen(self) -> int | None: ...  # 一般販売価格
    @property
    def local_value_added_yen(self) -> int | None: ...  # 3号: value added in the area
    @property
    def lodging_price_yen(self) -> int | None: ...  # 7号 宿泊: per person-night
    @property
    def processed_kind(self) -> str | None: ...  # 3号: aged_meat / polished_rice / None
    @property
    def same_prefecture(self) -> bool: ...  # 熟成肉・精米: raw material of the prefecture
    @property
    def quantity_limit(self) -> int | None: ...
    @property
    def delivery_month(self) -> date | None: ...
    @property
    def delivery_months(self) -> Sequence[date]: ...  # a 定期便's months; empty for one delivery


class ProjectLike(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def story_markdown(self) -> str: ...
    @property
    def eligible_cost_yen(self) -> int: ...
    @property
    def subsidy_rate_percent(self) -> int: ...
    @property
    def starts_at(self) -> datetime | None: ...
    @property
    def deadline(self) -> datetime | None: ...
    @property
    def miss_policy(self) -> str: ...
    @property
    def fallback_purpose(self) -> str: ...
    @property
    def tiers(self) -> Sequence[TierLike]: ...


@dataclass(frozen=True)
class Violation:
    code: str
    message: str
    field: str  # the project field, or the tier field when tier_index is set
    tier_index: int | None = None

    @property
    def location(self) -> str:
        """`deadline` or `tiers.2.procurement_cost_yen`: a key for field maps and forms."""
        if self.tier_index is None:
            return self.field
        return f"tiers.{self.tier_index}.{self.field}"

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "tier_index": self.tier_index,
            "location": self.location,
        }


@lru_cache(maxsize=1)
def load_banned_words() -> tuple[str, ...]:
    """The banned advertising words shipped in furusato/data/banned_words.txt (NFKC-folded)."""
    text = resources.files("furusato").joinpath("data/banned_words.txt").read_text("utf-8")
    words = (line.strip() for line in text.splitlines())
    return tuple(_fold(w) for w in words if w and not w.startswith("#"))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class Rules:
    """The city's numbers the rules use (from settings.city) and the banned words."""

    payment_fee_bp: int
    administration_bp: int
    max_campaign_days: int
    banned_words: tuple[str, ...] = field(default_factory=lambda: load_banned_words())


def found_banned_words(text: str, words: Sequence[str]) -> list[str]:
    """The banned words in `text`, matched across full/half-width and letter case."""
    folded = _fold(text or "")
    return [w for w in words if w in folded]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive(value: object) -> bool:
    return _is_int(value) and value > 0  # type: ignore[operator]


def gift_cost_yen(tier: TierLike) -> int:
    """The procurement cost of every delivery of one donation (a 定期便's N, else one)."""
    return tier.procurement_cost_yen * deliveries.count(tier.delivery_months)


def solicitation_cost_yen(tier: TierLike, rules: Rules) -> int:
    """Gift + shipping (each × the deliveries) + payment fee + administration for one donation
    of this tier's amount."""
    amount = tier.amount_yen
    n = deliveries.count(tier.delivery_months)
    return (
        (tier.procurement_cost_yen + tier.shipping_cost_yen) * n
        + basis_points(amount, rules.payment_fee_bp)
        + basis_points(amount, rules.administration_bp)
    )


def local_rules_day(now: datetime | None) -> date:
    """The day whose local-product rules apply: `now`'s in Japan time, or with none every rule
    added so far."""
    return to_jst(now).date() if now is not None else date.max


def check_tier(tier: TierLike, index: int, rules: Rules, on: date = date.max) -> list[Violation]:
    """Every rule one tier breaks, with the local-product rules in force `on`."""
    out: list[Violation] = []

    def add(code: str, message: str, field_name: str) -> None:
        out.append(Violation(code, message, field_name, index))

    amount = tier.amount_yen
    if not _positive(amount):
        add("amount_not_positive", N_("寄附額は正の整数（円）で入力してください。"), "amount_yen")
        return out  # the share rules below need a valid amount
    if amount < MIN_DONATION_YEN:
        add(
            "amount_below_minimum",
            N_("寄附額は%(min)s円以上にしてください。", min=format(MIN_DONATION_YEN, ",")),
            "amount_yen",
        )
    costs_ok = True
    for name, label in (("procurement_cost_yen", N_("調達費")), ("shipping_cost_yen", N_("送料"))):
        value = getattr(tier, name)
        if not _is_int(value) or value < 0:
            add(
                "cost_not_integer",
                N_("%(label)sは0以上の整数（円）で入力してください。", label=label),
                name,
            )
            costs_ok = False
    if tier.quantity_limit is not None and not _positive(tier.quantity_limit):
        add("quantity_not_positive", N_("数量限定は1以上の整数にしてください。"), "quantity_limit")

    schedule_problem = deliveries.schedule_problem(list(tier.delivery_months or ()))
    if schedule_problem:
        add("delivery_schedule_invalid", schedule_problem, "delivery_months")
    times = deliveries.count(tier.delivery_months)
    if tier.gift_name:
        if costs_ok and gift_cost_yen(tier) * 100 > amount * GIFT_SHARE_LIMIT_PERCENT:
            limit = amount * GIFT_SHARE_LIMIT_PERCENT // 100
            cost = format(gift_cost_yen(tier), ",")
            add(
                "gift_over_30_percent",
                N_(
                    "返礼品の調達費（%(cost)s円）が寄附額の3割（%(limit)s円）を超えています。",
                    cost=cost,
                    limit=format(limit, ","),
                )
                if times == 1
                else N_(
                    "定期便%(n)s回分の調達費（%(cost)s円）が寄附額の3割（%(limit)s円）を"
                    "超えています。",
                    n=times,
                    cost=cost,
                    limit=format(limit, ","),
                ),
                "procurement_cost_yen",
            )
        if tier.local_category is None or not is_category(tier.local_category):
            add(
                "local_category_missing",
                N_("地場産品基準（1〜9号）の該当区分を選んでください。"),
                "local_category",
            )
        elif all(
            value is None or _is_int(value)
            for value in (
                tier.general_price_yen,
                tier.local_value_added_yen,
                tier.lodging_price_yen,
            )
        ):
            for problem in tier_problems(
                code=tier.local_category,
                subitem=tier.local_subitem,
                amount_yen=amount,
                general_price_yen=tier.general_price_yen,
                local_value_added_yen=tier.local_value_added_yen,
                lodging_price_yen=tier.lodging_price_yen,
                processed_kind=tier.processed_kind,
                same_prefecture=bool(tier.same_prefecture),
                on=on,
            ):
                add(problem.code, problem.message, problem.field)
        if not (tier.local_evidence or "").strip():
            add(
                "local_evidence_missing",
                N_("地場産品であることの根拠（産地・製造工程など）を記入してください。"),
                "local_evidence",
            )
        if tier.delivery_month is None and not tier.delivery_months:
            add("delivery_month_missing", N_("お届け予定月を入力してください。"), "delivery_month")
    if costs_ok:
        total = solicitation_cost_yen(tier, rules)
        if total * 100 > amount * COST_SHARE_LIMIT_PERCENT:
            limit = amount * COST_SHARE_LIMIT_PERCENT // 100
            add(
                "costs_over_50_percent",
                N_(
                    "返礼品・送料・決済手数料・事務費の合計（%(total)s円）が寄附額の5割"
                    "（%(limit)s円）を超えています。",
                    total=format(total, ","),
                    limit=format(limit, ","),
                )
                if times == 1
                else N_(
                    "定期便%(n)s回分の返礼品・送料と決済手数料・事務費の合計（%(total)s円）が"
                    "寄附額の5割（%(limit)s円）を超えています。",
                    n=times,
                    total=format(total, ","),
                    limit=format(limit, ","),
                ),
                "procurement_cost_yen",
            )
    for name, label in (("gift_name", N_("返礼品名")), ("gift_description", N_("返礼品の説明"))):
        words = found_banned_words(getattr(tier, name), rules.banned_words)
        if words:
            add("banned_words", _banned_message(label, words), name)
    return out


def _banned_message(label: str, words: Sequence[str]) -> str:
    quoted = "".join(f"「{w}」" for w in words)
    return N_(
        "%(label)sに使えない表現%(words)sが含まれています（ポイント・お得感を訴える広告は禁止）。",
        label=label,
        words=quoted,
    )


def check_project(
    project: ProjectLike, rules: Rules, now: datetime | None = None
) -> list[Violation]:
    """Every rule the project and its tiers break; empty when it may be submitted.

    With `now`, a deadline already past is a violation too (used at submission and approval),
    and the tiers meet the local-product rules of that day.
    """
    out: list[Violation] = []

    def add(code: str, message: str, field_name: str) -> None:
        out.append(Violation(code, message, field_name))

    if not (project.title or "").strip():
        add("title_missing", N_("タイトルを入力してください。"), "title")
    for name, label in (
        ("title", N_("タイトル")),
        ("summary", N_("概要")),
        ("story_markdown", N_("本文")),
    ):
        words = found_banned_words(getattr(project, name), rules.banned_words)
        if words:
            add("banned_words", _banned_message(label, words), name)
    if not _positive(project.eligible_cost_yen):
        add(
            "eligible_cost_not_positive",
            N_("補助対象経費は1円以上の整数（円）で入力してください。"),
            "eligible_cost_yen",
        )
    rate = project.subsidy_rate_percent
    if not _is_int(rate) or not 1 <= rate <= 100:
        add("subsidy_rate_invalid", N_("補助率は1〜100%の整数です。"), "subsidy_rate_percent")
    out.extend(_check_dates(project, rules, now))
    if project.miss_policy == "keep" and not (project.fallback_purpose or "").strip():
        add(
            "fallback_purpose_missing",
            N_("目標未達でも寄附を活用する場合は、その使い道を記入してください。"),
            "fallback_purpose",
        )
    elif project.miss_policy not in ("keep", "refund"):
        add("miss_policy_invalid", N_("目標未達時の扱いを選んでください。"), "miss_policy")
    if not project.tiers:
        add("no_tiers", N_("寄附のコースを1つ以上登録してください。"), "tiers")
    for index, tier in enumerate(project.tiers):
        out.extend(check_tier(tier, index, rules, local_rules_day(now)))
    return out


def _check_dates(project: ProjectLike, rules: Rules, now: datetime | None) -> list[Violation]:
    out: list[Violation] = []
    starts, deadline = project.starts_at, project.deadline
    if starts is None:
        out.append(Violation("starts_at_missing", N_("開始日時を入力してください。"), "starts_at"))
    if deadline is None:
        out.append(Violation("deadline_missing", N_("締切日時を入力してください。"), "deadline"))
    if starts is None or deadline is None:
        return out
    if deadline <= starts:
        out.append(
            Violation(
                "deadline_not_after_start",
                N_("締切は開始より後の日時にしてください。"),
                "deadline",
            )
        )
    elif deadline - starts > timedelta(days=rules.max_campaign_days):
        out.append(
            Violation(
                "campaign_too_long",
                N_("募集期間は%(days)s日以内にしてください。", days=rules.max_campaign_days),
                "deadline",
            )
        )
    if now is not None and deadline <= now:
        out.append(Violation("deadline_past", N_("締切がすでに過ぎています。"), "deadline"))
    return out
