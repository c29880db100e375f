"""ネクストゴール: a second target a funded campaign's business proposes and staff approve.

What it means, and what it does not:
- It is a milestone shown on the project page beside the first target, with its own progress.
- It does not change settlement. The outcome (funded or missed) was decided by the first
  target, which the campaign has already reached: the miss policy no longer applies, nothing is
  refunded for missing the next goal, and every gift is sent. The subsidy stays
  min(paid total × rate, eligible cost) (money.subsidy_yen): it already grows with each
  donation up to the cap, so a next goal (never above the cap) only says how far the business
  hopes it will grow. The campaign still takes donations until its cap or its deadline.
- Any tier proposed with it must pass the same 30 %/50 % and local-product rules as the first
  ones (compliance.check_tier), when proposed and again when approved.
"""

from __future__ import annotations

from dataclasses import dataclass

from furusato.domain.campaign import Phase
from furusato.domain.messages import N_
from furusato.domain.money import subsidy_yen

MAX_REASON_CHARS = 2_000
MAX_NEW_TIERS = 3
OPEN_PHASES = (Phase.LIVE, Phase.PAUSED)  # still taking donations, or may again


def funded(paid_total_yen: int, target_yen: int) -> bool:
    return target_yen > 0 and paid_total_yen >= target_yen


def campaign_refusal(phase: str, paid_total_yen: int, target_yen: int) -> str | None:
    """Why this campaign cannot take a next goal now (a message), or None."""
    if phase not in OPEN_PHASES:
        return N_("受付を終えたプロジェクトにはネクストゴールを設定できません。")
    if not funded(paid_total_yen, target_yen):
        return N_("目標額に達したプロジェクトだけがネクストゴールを設定できます。")
    return None


def amount_problems(
    amount_yen: object, reason: str, *, paid_total_yen: int, cap_yen: int
) -> dict[str, str]:
    """Field → why the proposed amount or reason is refused: the next goal lies above what is
    already raised (so above the first target) and at most the cap; a reason is given."""
    fields: dict[str, str] = {}
    if isinstance(amount_yen, bool) or not isinstance(amount_yen, int) or amount_yen <= 0:
        fields["amount_yen"] = N_("金額は円単位の整数で入力してください。")
    elif amount_yen <= paid_total_yen:
        fields["amount_yen"] = N_(
            "現在の寄附額（%(paid)s円）より大きい金額にしてください。",
            paid=format(paid_total_yen, ","),
        )
    elif amount_yen > cap_yen:
        fields["amount_yen"] = N_(
            "上限額（%(cap)s円）以下にしてください。", cap=format(cap_yen, ",")
        )
    reason = (reason or "").strip()
    if not reason:
        fields["reason"] = N_("ネクストゴールに挑戦する理由を入力してください。")
    elif len(reason) > MAX_REASON_CHARS:
        fields["reason"] = N_("%(n)s文字以内にしてください。", n=MAX_REASON_CHARS)
    return fields


@dataclass(frozen=True)
class NextGoalProgress:
    """The next goal beside the paid total, for the project page."""

    amount_yen: int
    paid_total_yen: int
    subsidy_rate_percent: int
    eligible_cost_yen: int

    @property
    def percent(self) -> int:
        """Share of the next goal raised, in whole percent (may pass 100)."""
        return self.paid_total_yen * 100 // self.amount_yen if self.amount_yen > 0 else 100

    @property
    def bar_percent(self) -> int:
        return min(self.percent, 100)

    @property
    def reached(self) -> bool:
        return self.paid_total_yen >= self.amount_yen

    @property
    def remaining_yen(self) -> int:
        return max(self.amount_yen - self.paid_total_yen, 0)

    @property
    def subsidy_at_goal_yen(self) -> int:
        """The subsidy if donations stop exactly at the next goal (the formula is unchanged)."""
        return subsidy_yen(self.amount_yen, self.subsidy_rate_percent, self.eligible_cost_yen)
