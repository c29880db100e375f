"""The furusato rules a project and its tiers must meet: each limit at, just under, just over."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import pytest

from furusato.domain.compliance import (
    Rules,
    Violation,
    check_project,
    check_tier,
    load_banned_words,
    solicitation_cost_yen,
)
from furusato.domain.local_products import LOCAL_PRODUCT_CATEGORIES

# Payment fee 3.6 % and administration 5 % (the default city settings).
RULES = Rules(payment_fee_bp=360, administration_bp=500, max_campaign_days=90)
START = datetime(2027, 1, 10, 0, 0, tzinfo=UTC)


@dataclass
class T:
    amount_yen: int = 10_000
    gift_name: str = "泉州タオル"
    gift_description: str = "市内の工場で織ったタオル"
    procurement_cost_yen: int = 3_000
    shipping_cost_yen: int = 500
    local_category: int | None = 3
    local_evidence: str = "市内の工場で製造"
    local_subitem: str | None = None
    general_price_yen: int | None = -1  # -1: the procurement cost
    local_value_added_yen: int | None = -1  # -1: the whole general price
    lodging_price_yen: int | None = None
    processed_kind: str | None = None
    same_prefecture: bool = False
    quantity_limit: int | None = None
    delivery_month: date | None = date(2027, 5, 1)
    delivery_months: list[date] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.general_price_yen == -1:
            self.general_price_yen = self.procurement_cost_yen
        if self.local_value_added_yen == -1:
            self.local_value_added_yen = self.general_price_yen


@dataclass
class P:
    title: str = "泉州タオルの新ブランド"
    summary: str = "地元の工場で新しいタオルをつくります。"
    story_markdown: str = "## はじめに\n\n地元の綿で。"
    eligible_cost_yen: int = 1_000_000
    subsidy_rate_percent: int = 40
    starts_at: datetime | None = START
    deadline: datetime | None = START + timedelta(days=30)
    miss_policy: str = "refund"
    fallback_purpose: str = ""
    tiers: list[T] = field(default_factory=lambda: [T()])


def codes(violations: list[Violation]) -> list[str]:
    return [v.code for v in violations]


def test_a_sound_project_has_no_violations() -> None:
    """The baseline project passes every rule."""
    assert check_project(P(), RULES) == []


@pytest.mark.parametrize(
    ("cost", "broken"), [(2_999, False), (3_000, False), (3_001, True)], ids=["under", "at", "over"]
)
def test_gift_procurement_limit_is_30_percent(cost: int, broken: bool) -> None:
    """3,000 yen on a 10,000 yen tier is allowed; one yen more is not."""
    found = codes(check_tier(T(procurement_cost_yen=cost, shipping_cost_yen=0), 0, RULES))
    assert ("gift_over_30_percent" in found) is broken


def test_gift_limit_on_an_amount_not_divisible_by_ten() -> None:
    """On 3,333 yen the limit is 999.9 yen: 999 passes, 1,000 does not (no rounding up)."""
    assert (
        check_tier(T(amount_yen=3_333, procurement_cost_yen=999, shipping_cost_yen=0), 0, RULES)
        == []
    )
    found = codes(
        check_tier(
            T(
                amount_yen=3_333,
                procurement_cost_yen=1_000,
                shipping_cost_yen=0,
                general_price_yen=999,
            ),
            0,
            RULES,
        )
    )
    assert found == ["gift_over_30_percent"]


@pytest.mark.parametrize(
    ("shipping", "broken"),
    [(1_139, False), (1_140, False), (1_141, True)],
    ids=["under", "at", "over"],
)
def test_total_cost_limit_is_50_percent(shipping: int, broken: bool) -> None:
    """Gift 3,000 + fee 360 + admin 500 leaves exactly 1,140 yen of shipping under 5,000."""
    tier = T(procurement_cost_yen=3_000, shipping_cost_yen=shipping)
    assert solicitation_cost_yen(tier, RULES) == 3_000 + shipping + 360 + 500
    assert ("costs_over_50_percent" in codes(check_tier(tier, 0, RULES))) is broken


def test_fee_shares_round_up_in_basis_points() -> None:
    """On 2,001 yen the 3.6 % fee is 72.036 → 73 yen and 5 % admin 100.05 → 101 yen."""
    tier = T(amount_yen=2_001, procurement_cost_yen=600, shipping_cost_yen=0)
    assert solicitation_cost_yen(tier, RULES) == 600 + 73 + 101
    at_limit = replace(tier, shipping_cost_yen=1_000 - 600 - 73 - 101)  # total 1,000 ≤ 1,000.5
    assert check_tier(at_limit, 0, RULES) == []
    over = replace(tier, shipping_cost_yen=1_000 - 600 - 73 - 101 + 1)  # 1,001 > 1,000.5
    assert codes(check_tier(over, 0, RULES)) == ["costs_over_50_percent"]


def test_city_rates_change_the_50_percent_rule() -> None:
    """A city with higher administration costs leaves less room for shipping."""
    tier = T(procurement_cost_yen=3_000, shipping_cost_yen=1_140)
    assert check_tier(tier, 0, RULES) == []
    dearer = Rules(payment_fee_bp=360, administration_bp=501, max_campaign_days=90)
    assert codes(check_tier(tier, 0, dearer)) == ["costs_over_50_percent"]


@pytest.mark.parametrize(
    ("amount", "broken"),
    [(1_999, True), (2_000, False), (2_001, False)],
    ids=["under", "at", "over"],
)
def test_minimum_donation_is_2000_yen(amount: int, broken: bool) -> None:
    """A tier below 2,000 yen is refused; 2,000 itself is fine."""
    tier = T(amount_yen=amount, gift_name="", procurement_cost_yen=0, shipping_cost_yen=0)
    assert ("amount_below_minimum" in codes(check_tier(tier, 0, RULES))) is broken


@pytest.mark.parametrize("amount", [0, -5_000])
def test_tier_amount_must_be_positive(amount: int) -> None:
    """Zero or negative amounts are refused before any share is computed."""
    assert codes(check_tier(T(amount_yen=amount), 0, RULES)) == ["amount_not_positive"]


def test_negative_costs_are_refused() -> None:
    """Costs are non-negative integers."""
    found = codes(check_tier(T(procurement_cost_yen=-1, shipping_cost_yen=-1), 0, RULES))
    assert found.count("cost_not_integer") == 2


def test_pure_support_tier_needs_no_gift_data() -> None:
    """A tier without a gift needs no local-product category or evidence."""
    tier = T(
        gift_name="",
        gift_description="",
        procurement_cost_yen=0,
        shipping_cost_yen=0,
        local_category=None,
        local_evidence="",
        delivery_month=None,
    )
    assert check_tier(tier, 0, RULES) == []


def test_gift_tier_needs_local_category_and_evidence() -> None:
    """A gift must declare one of the nine categories and the evidence for it."""
    found = check_tier(T(local_category=None, local_evidence="  "), 2, RULES)
    assert codes(found) == ["local_category_missing", "local_evidence_missing"]
    assert [v.location for v in found] == ["tiers.2.local_category", "tiers.2.local_evidence"]
    assert codes(check_tier(T(local_category=10), 0, RULES)) == ["local_category_missing"]
    for code in LOCAL_PRODUCT_CATEGORIES:
        subitem = "i" if code == 8 else None
        assert check_tier(T(local_category=code, local_subitem=subitem), 0, RULES) == []


def test_nine_local_product_categories() -> None:
    """Codes 1 to 9, each with a Japanese label."""
    assert sorted(LOCAL_PRODUCT_CATEGORIES) == list(range(1, 10))
    assert all(
        "区域" in text or "返礼品" in text or "地場産品" in text
        for text in LOCAL_PRODUCT_CATEGORIES.values()
    )


def test_banned_words_come_from_the_data_file() -> None:
    """The shipped list holds the words the ministry banned."""
    words = load_banned_words()
    for word in ("お得", "還元", "セール", "ポイント", "実質無料", "最安", "激安"):
        assert word in words


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("title", "今だけお得なタオル"),
        ("summary", "ポイント還元あり"),
        ("story_markdown", "## 実質無料！\n\n本文"),
    ],
)
def test_banned_words_in_project_text(where: str, text: str) -> None:
    """Advertising words are found in the title, summary and story."""
    found = [
        v for v in check_project(replace(P(), **{where: text}), RULES) if v.code == "banned_words"
    ]
    assert [v.field for v in found] == [where]
    assert "禁止" in found[0].message


def test_banned_words_in_gift_name_and_description_any_width() -> None:
    """Half-width ｾｰﾙ and full-width letters are caught like the plain word."""
    found = check_tier(T(gift_name="ｾｰﾙ品タオル", gift_description="最安値に挑戦"), 1, RULES)
    assert [(v.code, v.field) for v in found] == [
        ("banned_words", "gift_name"),
        ("banned_words", "gift_description"),
    ]
    assert "「セール」" in found[0].message


def test_an_ordinary_word_is_not_banned() -> None:
    """Words that merely share letters with banned ones are fine."""
    assert check_project(replace(P(), summary="得意の技術で新しい製品を"), RULES) == []


@pytest.mark.parametrize(
    ("days", "code"),
    [
        (-1, "deadline_not_after_start"),
        (0, "deadline_not_after_start"),
        (90, None),
        (91, "campaign_too_long"),
    ],
)
def test_campaign_dates(days: int, code: str | None) -> None:
    """The deadline comes after the start and at most max_campaign_days later."""
    found = codes(check_project(replace(P(), deadline=START + timedelta(days=days)), RULES))
    assert found == ([code] if code else [])


def test_campaign_just_over_the_longest_period() -> None:
    """90 days and one second is too long."""
    late = START + timedelta(days=90, seconds=1)
    assert codes(check_project(replace(P(), deadline=late), RULES)) == ["campaign_too_long"]


def test_missing_dates_and_past_deadline() -> None:
    """Both dates are required; with a clock a past deadline is refused."""
    found = codes(check_project(replace(P(), starts_at=None, deadline=None), RULES))
    assert found == ["starts_at_missing", "deadline_missing"]
    now = START + timedelta(days=30)
    assert codes(check_project(P(), RULES, now=now)) == ["deadline_past"]
    assert check_project(P(), RULES, now=now - timedelta(seconds=1)) == []


@pytest.mark.parametrize(("cost", "ok"), [(0, False), (-1, False), (1, True)])
def test_eligible_cost_must_be_positive(cost: int, ok: bool) -> None:
    """The eligible cost is at least one yen."""
    found = codes(check_project(replace(P(), eligible_cost_yen=cost), RULES))
    assert found == ([] if ok else ["eligible_cost_not_positive"])


def test_keep_policy_needs_fallback_purpose() -> None:
    """A campaign keeping donations when it misses must say for what."""
    assert codes(check_project(replace(P(), miss_policy="keep"), RULES)) == [
        "fallback_purpose_missing"
    ]
    assert (
        check_project(replace(P(), miss_policy="keep", fallback_purpose="市の産業振興"), RULES)
        == []
    )


def test_a_project_needs_tiers() -> None:
    """No tiers at all is a violation."""
    assert codes(check_project(replace(P(), tiers=[]), RULES)) == ["no_tiers"]


def test_every_violation_is_returned_together() -> None:
    """One check reports all problems of the project and of every tier, each located."""
    project = P(
        title="激安タオル",
        eligible_cost_yen=0,
        deadline=START,
        miss_policy="keep",
        tiers=[
            T(),
            T(
                amount_yen=10_000,
                procurement_cost_yen=3_500,
                shipping_cost_yen=2_000,
                local_category=None,
            ),
            T(amount_yen=1_500, gift_name="", procurement_cost_yen=0, shipping_cost_yen=0),
        ],
    )
    found = check_project(project, RULES)
    assert {(v.code, v.location) for v in found} == {
        ("banned_words", "title"),
        ("eligible_cost_not_positive", "eligible_cost_yen"),
        ("deadline_not_after_start", "deadline"),
        ("fallback_purpose_missing", "fallback_purpose"),
        ("gift_over_30_percent", "tiers.1.procurement_cost_yen"),
        ("costs_over_50_percent", "tiers.1.procurement_cost_yen"),
        ("local_category_missing", "tiers.1.local_category"),
        ("amount_below_minimum", "tiers.2.amount_yen"),
    }
    assert all(v.message for v in found)
    assert found[0].as_dict()["location"] == "title"


TEIKIBIN = [date(2027, 6, 1), date(2027, 8, 1), date(2027, 10, 1)]


@pytest.mark.parametrize(
    ("cost", "broken"), [(2_999, False), (3_000, False), (3_001, True)], ids=["under", "at", "over"]
)
def test_a_teikibin_counts_the_procurement_of_every_delivery(cost: int, broken: bool) -> None:
    """Three deliveries of 3,000 yen on a 30,000 yen tier are 30 %: allowed; 3,001 each is not."""
    tier = T(amount_yen=30_000, procurement_cost_yen=cost, shipping_cost_yen=0)
    tier.delivery_months = TEIKIBIN
    found = check_tier(tier, 0, RULES)
    assert ("gift_over_30_percent" in codes(found)) is broken
    if broken:
        assert "定期便3回分の調達費（9,003円）" in found[0].message


@pytest.mark.parametrize(
    ("shipping", "broken"),
    [(1_139, False), (1_140, False), (1_141, True)],
    ids=["under", "at", "over"],
)
def test_a_teikibin_counts_shipping_times_its_deliveries(shipping: int, broken: bool) -> None:
    """30,000 yen: 3 × (3,000 + shipping) + fee 1,080 + administration 1,500 ≤ 15,000, so a
    shipping of 1,140 per delivery is exactly 50 %; 1,141 is 15,003 yen, over."""
    tier = T(amount_yen=30_000, procurement_cost_yen=3_000, shipping_cost_yen=shipping)
    tier.delivery_months = TEIKIBIN
    assert solicitation_cost_yen(tier, RULES) == 3 * (3_000 + shipping) + 1_080 + 1_500
    assert ("costs_over_50_percent" in codes(check_tier(tier, 0, RULES))) is broken


def test_the_same_costs_fit_once_but_not_three_times() -> None:
    """What a single delivery may cost, a 定期便 of three may not."""
    once = T(amount_yen=10_000, procurement_cost_yen=3_000, shipping_cost_yen=0)
    assert check_tier(once, 0, RULES) == []
    thrice = T(amount_yen=10_000, procurement_cost_yen=3_000, shipping_cost_yen=0)
    thrice.delivery_months = TEIKIBIN
    assert "gift_over_30_percent" in codes(check_tier(thrice, 0, RULES))


def test_a_teikibins_months_are_checked_and_stand_for_the_delivery_month() -> None:
    """Months out of order are a violation on `delivery_months`; with months, no separate
    delivery month is asked for."""
    backwards = T(amount_yen=30_000, procurement_cost_yen=1_000, delivery_month=None)
    backwards.delivery_months = list(reversed(TEIKIBIN))
    found = check_tier(backwards, 0, RULES)
    assert codes(found) == ["delivery_schedule_invalid"]
    assert found[0].location == "tiers.0.delivery_months"
