"""The 50 % rule on a fiscal year's actual costs, in the categories of 総務省's 現況調査.

The notice limits what a city spends to raise its donations (返礼品等の調達、送付、広報、決済、
事務 and the rest) to half of what it received in the fiscal year. Before staff enter the year's
real costs, the only figure is an estimate: each tier's procurement and shipping plus a flat
administration rate (the planning figure). Once any actual cost is recorded, the ratio uses the
actual costs and the estimate stays beside it for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from furusato.domain.messages import N_

LIMIT_BP = 5_000  # 募集に要する費用 ≤ 50 % of the year's donations
MAX_AMOUNT_YEN = 10**12  # a city's yearly cost in one category never reaches a trillion yen


class CostCategory(StrEnum):
    """The cost lines of 総務省「ふるさと納税に関する現況調査」 (募集に要した費用), in its order."""

    GIFT_PROCUREMENT = "gift_procurement"
    SHIPPING = "shipping"
    ADVERTISING = "advertising"
    PAYMENT = "payment"
    ADMINISTRATION = "administration"
    OTHER = "other"


LABELS: dict[CostCategory, str] = {
    CostCategory.GIFT_PROCUREMENT: N_("返礼品等の調達に係る費用"),
    CostCategory.SHIPPING: N_("返礼品等の送付に係る費用"),
    CostCategory.ADVERTISING: N_("広報に係る費用"),
    CostCategory.PAYMENT: N_("決済等に係る費用"),
    CostCategory.ADMINISTRATION: N_("事務に係る費用"),
    CostCategory.OTHER: N_("その他の費用"),
}

# What each line includes, as staff need to know when they add up the year's invoices.
HINTS: dict[CostCategory, str] = {
    CostCategory.GIFT_PROCUREMENT: N_("返礼品の仕入れ・製造の費用（事業者への支払）"),
    CostCategory.SHIPPING: N_("返礼品の送料・梱包費"),
    CostCategory.ADVERTISING: N_("広告・パンフレット・サイト掲載の費用"),
    CostCategory.PAYMENT: N_("クレジットカード等の決済手数料"),
    CostCategory.ADMINISTRATION: N_(
        "受領証明書の発行・郵送、ワンストップ特例の受付・郵送、職員の人件費、委託費など"
    ),
    CostCategory.OTHER: N_("上記のいずれにも当たらない募集の費用"),
}


def ratio_bp(costs_yen: int, donations_yen: int) -> int | None:
    """Costs over donations in basis points, rounded down; None without donations."""
    if donations_yen <= 0:
        return None
    return costs_yen * 10_000 // donations_yen


def within_limit(costs_yen: int, donations_yen: int) -> bool | None:
    """Whether costs are at most half the donations (exactly half is within), in integers."""
    if donations_yen <= 0:
        return None
    return costs_yen * 10_000 <= donations_yen * LIMIT_BP


@dataclass(frozen=True)
class CostRatio:
    """The figure the 50 % rule is judged on, and which basis it comes from."""

    costs_yen: int
    donations_yen: int
    actual: bool  # True: the year's recorded costs; False: the estimate (none recorded yet)

    @property
    def ratio_bp(self) -> int | None:
        return ratio_bp(self.costs_yen, self.donations_yen)

    @property
    def within_limit(self) -> bool | None:
        return within_limit(self.costs_yen, self.donations_yen)


def judged_ratio(
    actual_costs: dict[CostCategory, int], estimate_yen: int, donations_yen: int
) -> CostRatio:
    """The actual costs once any category is recorded (the flat estimate only before)."""
    if actual_costs:
        return CostRatio(sum(actual_costs.values()), donations_yen, actual=True)
    return CostRatio(estimate_yen, donations_yen, actual=False)
