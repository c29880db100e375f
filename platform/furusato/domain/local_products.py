"""The local-product standard (地場産品基準): 平成31年総務省告示第179号 第5条 as amended.

A gift must fall under one of the notice's items 1–9 (8号 in three kinds, イ/ロ/ハ); the business
declares which and gives the evidence the item needs, and staff confirm it at review. Labels
follow the notice's words, shortened only where it refers back to other items; they are msgids,
which a page shows in its language (the API keeps the Japanese).

Rules added since 2023, each with its start:
- 2023-10: 熟成肉 and 精米 count under 3号 only when the meat or rice was produced in the same
  prefecture (the processing alone no longer makes them local).
- 2024-10: lodging (宿泊) offered under 7号 is refused above ¥50,000 per person per night.
- 2026-10: a gift carries its 一般販売価格 (the price it sells for in ordinary trade), which must
  also stay within 30 % of the donation; a 3号 gift shows that the value added in the area is at
  least half of that price.

Before the notice's items were renumbered here (2026-12), codes 5, 7 and 8 meant the service, the
neighbouring towns' shared gift and the prefecture's shared gift: tiers stored then keep their
code and carry a review note (migration 9b2e4c6d1f73) until staff confirm the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from furusato.domain.messages import N_


@dataclass(frozen=True)
class Item:
    code: int
    label: str  # the notice's words
    evidence: str  # what the business shows, and staff check


LOCAL_PRODUCT_ITEMS: dict[int, Item] = {
    1: Item(
        1,
        N_("当該地方団体の区域内において生産されたもの"),
        N_("生産地（農場・漁港・工場等の所在地）"),
    ),
    2: Item(
        2,
        N_("当該地方団体の区域内において返礼品等の原材料の主要な部分が生産されたもの"),
        N_("主要な原材料の産地と、原材料に占める割合"),
    ),
    3: Item(
        3,
        N_(
            "当該地方団体の区域内において返礼品等の製造、加工その他の工程のうち主要な部分を"
            "行うことにより相応の付加価値が生じているもの"
        ),
        N_("区域内で行う主要な工程と、区域内で生じる付加価値の額（一般販売価格の半分以上）"),
    ),
    4: Item(
        4,
        N_(
            "返礼品等を提供する市区町村の区域内において生産されたものであって、近隣の他の市区町村の"
            "区域内において生産されたものと混在したもの（流通構造上の理由により混在させざるを"
            "得ない場合に限る。）"
        ),
        N_("区域内の生産であることと、混在が避けられない流通の事情"),
    ),
    5: Item(
        5,
        N_(
            "地方団体の広報の目的で生産されたキャラクターグッズ、オリジナルグッズその他これらに"
            "類するものであって、形状、名称その他の特徴から地方団体の独自の返礼品等であることが"
            "明白なもの"
        ),
        N_("広報目的で作ったこと、地方団体独自の品と分かる形状・名称"),
    ),
    6: Item(
        6,
        N_(
            "第1号から前号までに該当する返礼品等と併せて提供されるものであって、当該返礼品等が"
            "主要な部分を占めるもの（地場産品以外の価値が全体の3割以下）"
        ),
        N_("地場産品の部分と、それ以外の部分のそれぞれの価格"),
    ),
    7: Item(
        7,
        N_(
            "当該地方団体の区域内において提供される役務その他これに類するものであって、当該役務の"
            "主要な部分が当該地方団体に相当程度関連のあるもの"
        ),
        N_("役務を提供する場所と、地域との関連（宿泊は1人1泊あたりの料金）"),
    ),
    8: Item(
        8,
        N_("共通返礼品等（イ・ロ・ハのいずれか）"),
        N_("共通返礼品とする取決め（連携の協定、都道府県の認定など）"),
    ),
    9: Item(
        9,
        N_("災害等により区域外へ避難した事業者が、避難先で生産等したもの"),
        N_("避難の事情と、避難前に区域内で生産等していたこと"),
    ),
}

SUBITEMS: dict[str, str] = {
    "i": N_(
        "イ 近隣の他の市区町村と共同で、これらの区域内において前各号のいずれかに該当するものを"
        "共通の返礼品等とするもの"
    ),
    "ro": N_(
        "ロ 都道府県が区域内の複数の市区町村と連携し、これらの区域内において前各号のいずれかに"
        "該当するものを共通の返礼品等とするもの"
    ),
    "ha": N_(
        "ハ 都道府県が区域内の複数の市区町村において地域資源として相当程度認識されていることを"
        "確認したものを、当該市区町村が共通の返礼品等とするもの"
    ),
}

# Kept for the forms and pages that show one label per code.
LOCAL_PRODUCT_CATEGORIES: dict[int, str] = {
    code: item.label for code, item in LOCAL_PRODUCT_ITEMS.items()
}

# What the codes meant before the renumbering, for the review note of tiers stored then.
FORMER_LABELS: dict[int, str] = {
    5: N_("区域内で提供される役務（現在の7号）"),
    7: N_("近隣の市区町村と共同で定めた共通返礼品（現在の8号イ）"),
    8: N_("都道府県が区域内の市区町村と連携して定めた共通返礼品（現在の8号ロ）"),
}

AGED_MEAT_RICE_FROM = date(2023, 10, 1)
LODGING_LIMIT_FROM = date(2024, 10, 1)
LODGING_LIMIT_YEN = 50_000  # per person per night
GENERAL_PRICE_FROM = date(2026, 10, 1)
GIFT_SHARE_PERCENT = 30


def is_category(code: object) -> bool:
    return isinstance(code, int) and not isinstance(code, bool) and code in LOCAL_PRODUCT_ITEMS


def label(code: int | None) -> str:
    if code is None:
        return ""
    item = LOCAL_PRODUCT_ITEMS.get(code)
    return item.label if item else ""


def evidence(code: int | None) -> str:
    item = LOCAL_PRODUCT_ITEMS.get(code) if code is not None else None
    return item.evidence if item else ""


def subitem_problem(code: int | None, subitem: str | None) -> str | None:
    """8号 needs its kind (イ/ロ/ハ); no other item has one."""
    if code == 8 and subitem not in SUBITEMS:
        return N_("8号（共通返礼品等）は、イ・ロ・ハのどれに当たるかを選んでください。")
    if code != 8 and subitem:
        return N_("イ・ロ・ハは8号（共通返礼品等）のときだけ選べます。")
    return None


def aged_meat_or_rice_problem(
    code: int | None, processed_kind: str | None, same_prefecture: bool, on: date
) -> str | None:
    """熟成肉・精米 under 3号 (from 2023-10): only from the same prefecture's meat or rice."""
    if (
        code != 3
        or processed_kind not in ("aged_meat", "polished_rice")
        or on < AGED_MEAT_RICE_FROM
    ):
        return None
    if same_prefecture:
        return None
    return N_("熟成肉・精米は、原材料が同じ都道府県内で生産されたものに限り3号に当たります。")


def lodging_problem(
    code: int | None, price_per_person_night_yen: int | None, on: date
) -> str | None:
    """宿泊 under 7号 (from 2024-10): at most ¥50,000 per person per night; exactly that is allowed."""
    if code != 7 or price_per_person_night_yen is None or on < LODGING_LIMIT_FROM:
        return None
    if price_per_person_night_yen <= LODGING_LIMIT_YEN:
        return None
    return N_(
        "宿泊は1人1泊あたり%(limit)s円以下に限ります（%(price)s円）。",
        limit=format(LODGING_LIMIT_YEN, ","),
        price=format(price_per_person_night_yen, ","),
    )


def general_price_problems(
    code: int | None,
    amount_yen: int,
    general_price_yen: int | None,
    local_value_added_yen: int | None,
    on: date,
) -> list[str]:
    """From 2026-10: the 一般販売価格 is required and within 30 % of the donation; a 3号 gift's
    value added in the area is at least half of it (exactly half is enough)."""
    if on < GENERAL_PRICE_FROM:
        return []
    if general_price_yen is None:
        return [N_("一般販売価格（通常の販売価格）を入力してください（2026年10月から必要です）。")]
    out = []
    if general_price_yen * 100 > amount_yen * GIFT_SHARE_PERCENT:
        out.append(
            N_(
                "一般販売価格（%(price)s円）が寄附額の3割（%(limit)s円）を超えています。",
                price=format(general_price_yen, ","),
                limit=format(amount_yen * GIFT_SHARE_PERCENT // 100, ","),
            )
        )
    if code == 3 and (
        local_value_added_yen is None or local_value_added_yen * 2 < general_price_yen
    ):
        out.append(
            N_(
                "3号の返礼品は、区域内で生じる付加価値が一般販売価格の半分（%(half)s円）以上で"
                "あることを示してください。",
                half=format(-(-general_price_yen // 2), ","),
            )
        )
    return out


def former_label(code: int | None) -> str:
    """What a code meant before the renumbering ("" for codes whose meaning did not change)."""
    return FORMER_LABELS.get(code, "") if code is not None else ""


PROCESSED_KINDS: dict[str, str] = {
    "aged_meat": N_("熟成肉"),
    "polished_rice": N_("精米"),
}


@dataclass(frozen=True)
class Problem:
    code: str  # stable, machine
    field: str  # the tier field it is about
    message: str  # names the rule broken


def tier_problems(
    *,
    code: int | None,
    subitem: str | None,
    amount_yen: int,
    general_price_yen: int | None,
    local_value_added_yen: int | None,
    lodging_price_yen: int | None,
    processed_kind: str | None,
    same_prefecture: bool,
    on: date,
) -> list[Problem]:
    """Every rule of 告示第5条 (as in force `on`, the day of submission or review) a gift tier
    with a valid item breaks, beyond having an item and evidence."""
    out: list[Problem] = []
    problem = subitem_problem(code, subitem)
    if problem:
        out.append(Problem("local_subitem_invalid", "local_subitem", problem))
    problem = aged_meat_or_rice_problem(code, processed_kind, same_prefecture, on)
    if problem:
        out.append(Problem("aged_meat_rice_other_prefecture", "same_prefecture", problem))
    problem = lodging_problem(code, lodging_price_yen, on)
    if problem:
        out.append(Problem("lodging_over_limit", "lodging_price_yen", problem))
    messages = general_price_problems(
        code, amount_yen, general_price_yen, local_value_added_yen, on
    )
    if messages and general_price_yen is None:
        out.append(Problem("general_price_missing", "general_price_yen", messages[0]))
    elif messages:
        if (
            general_price_yen is not None
            and general_price_yen * 100 > amount_yen * GIFT_SHARE_PERCENT
        ):
            out.append(
                Problem("general_price_over_30_percent", "general_price_yen", messages.pop(0))
            )
        for message in messages:
            out.append(Problem("value_added_under_half", "local_value_added_yen", message))
    return out
