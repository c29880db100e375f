"""地場産品基準 as 告示第5条 states it today: the items' words and evidence, 8号's kinds, and the
rules added since 2023, each at, under and over its edge and before and after its start."""

from __future__ import annotations

from datetime import date

import pytest

from furusato.domain import local_products as lp

BEFORE, AFTER = date(2026, 9, 30), date(2026, 10, 1)


def test_items_follow_the_notice_numbering() -> None:
    """5号 is the city's 広報 goods, 7号 services, 8号 the shared gifts with イ/ロ/ハ; each item
    names the evidence it needs."""
    assert sorted(lp.LOCAL_PRODUCT_ITEMS) == list(range(1, 10))
    assert "キャラクターグッズ" in lp.label(5)
    assert "役務" in lp.label(7)
    assert "共通返礼品" in lp.label(8) and set(lp.SUBITEMS) == {"i", "ro", "ha"}
    assert "地域資源" in lp.SUBITEMS["ha"] and "近隣" in lp.SUBITEMS["i"]
    assert all(item.evidence for item in lp.LOCAL_PRODUCT_ITEMS.values())
    assert "付加価値" in lp.evidence(3) and lp.label(10) == "" and not lp.is_category(True)
    assert set(lp.FORMER_LABELS) == {5, 7, 8}  # the codes whose meaning changed


def test_item_8_needs_its_kind_and_no_other_item_has_one() -> None:
    """8 without イ/ロ/ハ is refused, 8ロ is fine, a kind on 3号 is refused."""
    assert lp.subitem_problem(8, None) and lp.subitem_problem(8, "ni")
    assert lp.subitem_problem(8, "ro") is None
    assert lp.subitem_problem(3, "i") and lp.subitem_problem(3, None) is None


@pytest.mark.parametrize(
    ("code", "kind", "same", "on", "refused"),
    [
        (3, "aged_meat", False, date(2023, 10, 1), True),  # from the first day
        (3, "aged_meat", False, date(2023, 9, 30), False),  # not before
        (3, "polished_rice", True, date(2024, 1, 1), False),  # same prefecture's rice
        (3, "polished_rice", False, date(2024, 1, 1), True),
        (2, "aged_meat", False, date(2024, 1, 1), False),  # 2号: the produce itself is local
        (3, None, False, date(2024, 1, 1), False),
    ],
)
def test_aged_meat_and_rice_only_from_the_same_prefecture(
    code: int, kind: str | None, same: bool, on: date, refused: bool
) -> None:
    """熟成肉・精米 under 3号 from 2023-10 need the same prefecture's produce."""
    assert bool(lp.aged_meat_or_rice_problem(code, kind, same, on)) is refused


@pytest.mark.parametrize(
    ("price", "on", "refused"),
    [
        (49_999, date(2024, 10, 1), False),
        (50_000, date(2024, 10, 1), False),  # exactly the limit is allowed
        (50_001, date(2024, 10, 1), True),
        (50_001, date(2024, 9, 30), False),  # before the rule
    ],
)
def test_lodging_over_50000_per_person_night_is_refused(
    price: int, on: date, refused: bool
) -> None:
    """宿泊 under 7号 above ¥50,000 per person per night, from 2024-10."""
    problem = lp.lodging_problem(7, price, on)
    assert bool(problem) is refused
    if refused:
        assert "50,000円" in str(problem) and "50,001円" in str(problem)
    assert lp.lodging_problem(1, 90_000, on) is None


@pytest.mark.parametrize(
    ("general", "added", "on", "count"),
    [
        (3_000, 1_500, AFTER, 0),  # exactly 30 % and exactly half
        (2_999, 1_500, AFTER, 0),
        (3_001, 1_501, AFTER, 1),  # one yen over 30 %
        (3_000, 1_499, AFTER, 1),  # value added one yen under half
        (None, None, AFTER, 1),  # the price is required
        (None, None, BEFORE, 0),  # not before 2026-10
        (3_001, 0, BEFORE, 0),
    ],
)
def test_general_price_and_value_added_from_2026_10(
    general: int | None, added: int | None, on: date, count: int
) -> None:
    """一般販売価格 within 30 % of a ¥10,000 donation; 3号 value added at least half of it."""
    assert len(lp.general_price_problems(3, 10_000, general, added, on)) == count


def test_general_price_value_added_applies_to_item_3_only() -> None:
    """A 1号 gift needs the price but no value-added figure."""
    assert lp.general_price_problems(1, 10_000, 3_000, None, AFTER) == []
