"""告示第5条's later rules in the tier check: each at, under and over its edge, and only from
the day it started (the day of submission or review decides)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from furusato.domain.compliance import check_project, check_tier, local_rules_day
from tests.unit.test_compliance import RULES, START, P, T, codes

TODAY = date(2026, 12, 8)
BEFORE_2023 = date(2023, 9, 30)
BEFORE_2024 = date(2024, 9, 30)
BEFORE_2026 = date(2026, 9, 30)


def local_codes(tier: T, on: date = TODAY) -> list[str]:
    return codes(check_tier(tier, 0, RULES, on))


def test_item_8_is_refused_without_its_kind_and_other_items_with_one() -> None:
    """8号 names イ/ロ/ハ; a kind on another item is refused, at the field 8号's kind."""
    assert local_codes(T(local_category=8)) == ["local_subitem_invalid"]
    for kind in ("i", "ro", "ha"):
        assert local_codes(T(local_category=8, local_subitem=kind)) == []
    found = check_tier(T(local_category=1, local_subitem="ro"), 4, RULES, TODAY)
    assert [v.location for v in found] == ["tiers.4.local_subitem"]


@pytest.mark.parametrize("kind", ["aged_meat", "polished_rice"])
def test_aged_meat_and_rice_need_the_prefecture_s_raw_material(kind: str) -> None:
    """From 2023-10 熟成肉・精米 are 3号 only from the same prefecture's meat or rice."""
    other = T(processed_kind=kind, same_prefecture=False)
    assert local_codes(other) == ["aged_meat_rice_other_prefecture"]
    assert local_codes(other, date(2023, 10, 1)) == ["aged_meat_rice_other_prefecture"]
    assert local_codes(other, BEFORE_2023) == []
    assert local_codes(T(processed_kind=kind, same_prefecture=True)) == []
    assert local_codes(T(local_category=2, processed_kind=kind)) == []  # 3号 only


@pytest.mark.parametrize(("price", "refused"), [(49_999, False), (50_000, False), (50_001, True)])
def test_lodging_at_under_and_over_50000_per_person_night(price: int, refused: bool) -> None:
    """7号 宿泊 is refused above ¥50,000 per person-night from 2024-10; exactly that is allowed."""
    tier = T(
        amount_yen=200_000,
        procurement_cost_yen=50_000,
        general_price_yen=price,
        local_category=7,
        lodging_price_yen=price,
    )
    assert local_codes(tier) == (["lodging_over_limit"] if refused else [])
    assert local_codes(tier, date(2024, 10, 1)) == (["lodging_over_limit"] if refused else [])
    assert local_codes(tier, BEFORE_2024) == []
    message = check_tier(T(local_category=7, lodging_price_yen=50_001), 0, RULES, TODAY)
    assert "宿泊" in message[0].message and "50,000" in message[0].message


@pytest.mark.parametrize(("general", "refused"), [(2_999, False), (3_000, False), (3_001, True)])
def test_general_price_at_under_and_over_30_percent(general: int, refused: bool) -> None:
    """From 2026-10 the 一般販売価格 stays within 30 % of the donation (exactly 30 % passes)."""
    tier = T(general_price_yen=general, local_value_added_yen=general)
    assert local_codes(tier) == (["general_price_over_30_percent"] if refused else [])
    assert local_codes(tier, BEFORE_2026) == []


def test_general_price_is_required_from_2026_10() -> None:
    """A gift without its 一般販売価格 is refused from 2026-10-01, not the day before."""
    tier = T(general_price_yen=None)
    assert local_codes(tier, date(2026, 10, 1)) == ["general_price_missing"]
    assert local_codes(tier, BEFORE_2026) == []
    support = T(gift_name="", local_category=None, general_price_yen=None)
    assert local_codes(support) == []  # pure support: no gift, no price


@pytest.mark.parametrize(
    ("added", "refused"), [(1_499, True), (1_500, False), (1_501, False), (None, True)]
)
def test_value_added_at_under_and_over_half_for_item_3(added: int | None, refused: bool) -> None:
    """A 3号 gift shows value added in the area of at least half its 一般販売価格."""
    tier = T(general_price_yen=3_000, local_value_added_yen=added)
    assert local_codes(tier) == (["value_added_under_half"] if refused else [])
    assert local_codes(tier, BEFORE_2026) == []
    assert (
        local_codes(T(local_category=1, general_price_yen=3_000, local_value_added_yen=added)) == []
    )


def test_submission_day_in_japan_decides_which_rules_apply() -> None:
    """Submitted at 2026-09-30 15:00 UTC (10-01 in Japan), the 2026-10 rules apply."""
    assert local_rules_day(datetime(2026, 9, 30, 15, 0, tzinfo=UTC)) == date(2026, 10, 1)
    assert local_rules_day(datetime(2026, 9, 30, 14, 59, tzinfo=UTC)) == date(2026, 9, 30)
    old = P(tiers=[T(general_price_yen=None)])
    late_september = datetime(2026, 9, 1, tzinfo=UTC)
    assert "general_price_missing" not in codes(check_project(old, RULES, late_september))
    assert "general_price_missing" in codes(check_project(old, RULES, START))
