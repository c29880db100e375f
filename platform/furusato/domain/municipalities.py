"""Which municipality a one-stop notice goes to: the 20 政令指定都市 and their wards.

A donor's address gives a ward's code (大阪市北区 27127), but a designated city's ward is an
administrative ward (行政区, 地方自治法第252条の20) that levies no tax: the resident tax is the
city's, so the notice (申告特例通知書, 地方税法附則第7条第2項) goes to the city: 27127 → 27100
大阪市. Tokyo's 23 special wards (特別区, 13101–13123) do levy it and keep their own codes. Codes are
JIS X 0402 (全国地方公共団体コード without its check digit); a designated city's own code and its
wards' codes are the only ones whose last three digits run from 100 to 199.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DesignatedCity:
    code: str
    prefecture: str
    name: str

    @property
    def full_name(self) -> str:
        return f"{self.prefecture}{self.name}"


DESIGNATED_CITIES: tuple[DesignatedCity, ...] = tuple(
    DesignatedCity(code, prefecture, name)
    for code, prefecture, name in (
        ("01100", "北海道", "札幌市"),
        ("04100", "宮城県", "仙台市"),
        ("11100", "埼玉県", "さいたま市"),
        ("12100", "千葉県", "千葉市"),
        ("14100", "神奈川県", "横浜市"),
        ("14130", "神奈川県", "川崎市"),
        ("14150", "神奈川県", "相模原市"),
        ("15100", "新潟県", "新潟市"),
        ("22100", "静岡県", "静岡市"),
        ("22130", "静岡県", "浜松市"),
        ("23100", "愛知県", "名古屋市"),
        ("26100", "京都府", "京都市"),
        ("27100", "大阪府", "大阪市"),
        ("27140", "大阪府", "堺市"),
        ("28100", "兵庫県", "神戸市"),
        ("33100", "岡山県", "岡山市"),
        ("34100", "広島県", "広島市"),
        ("40100", "福岡県", "北九州市"),
        ("40130", "福岡県", "福岡市"),
        ("43100", "熊本県", "熊本市"),
    )
)
_BY_CODE = {city.code: city for city in DESIGNATED_CITIES}


def designated_city(code: str) -> DesignatedCity | None:
    """The designated city a code is, or is a ward of (None for any other municipality).

    A ward's code lies above its city's and below the next designated city's of the same
    prefecture (横浜市 14100, its wards 14101–14118, 川崎市 14130)."""
    code = code.strip()[:5]
    if len(code) != 5 or not code.isdigit() or not 100 <= int(code[2:]) <= 199:
        return None
    candidates = [c for c in DESIGNATED_CITIES if c.code[:2] == code[:2] and c.code <= code]
    return max(candidates, key=lambda c: c.code) if candidates else None


def notice_code(code: str) -> str:
    """The municipality the notice is addressed to: a ward's city, otherwise the code itself
    (5 digits)."""
    city = designated_city(code)
    return city.code if city else code.strip()[:5]


def is_designated_city(code: str) -> bool:
    return code.strip()[:5] in _BY_CODE
