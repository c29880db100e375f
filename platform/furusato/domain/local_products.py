"""The nine categories of the local-product standard (地場産品基準).

A gift must belong to one of them; the business declares which and gives the evidence, and
staff confirm it at review. Codes follow the order of the ministry notice (告示 第5条 各号);
the labels are short summaries for forms and review pages, not the legal text: msgids, which a
page shows in its language (the API keeps the Japanese).
"""

from __future__ import annotations

from furusato.domain.messages import N_

LOCAL_PRODUCT_CATEGORIES: dict[int, str] = {
    1: N_("区域内で生産されたもの"),
    2: N_("区域内で原材料の主要な部分が生産されたもの"),
    3: N_("区域内で製造・加工等の主要な工程を行い、相応の付加価値が生じているもの"),
    4: N_("区域内と近隣区域の生産物が流通構造上混在せざるを得ないもの"),
    5: N_("区域内で提供される役務で、その主要な部分が区域に相当程度関連するもの"),
    6: N_("地場産品と併せて提供するもので、主要な部分が地場産品であるもの"),
    7: N_("近隣の市区町村と共同で定めた共通返礼品"),
    8: N_("都道府県が区域内の市区町村と連携して定めた共通返礼品"),
    9: N_("災害等で区域外へ避難した事業者が避難先で生産等したもの"),
}


def is_category(code: object) -> bool:
    return isinstance(code, int) and not isinstance(code, bool) and code in LOCAL_PRODUCT_CATEGORIES


def label(code: int | None) -> str:
    if code is None:
        return ""
    return LOCAL_PRODUCT_CATEGORIES.get(code, "")
