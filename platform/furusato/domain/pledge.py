"""What a donor may pledge: the amount rules and the donor-detail rules, checked before anything
is reserved, and what a pledge takes (a gift, a tier's unit) for a resident or not."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from furusato.domain import text as text_rules
from furusato.domain.messages import N_
from furusato.domain.money import MIN_DONATION_YEN

# One donation above this is refused as a likely typo (the deduction cap of even very high
# earners is a few million yen; larger gifts are arranged with the city directly).
MAX_DONATION_YEN = 10_000_000

GENDERS = ("male", "female")


def amount_problem(amount_yen: int, tier_amount_yen: int | None) -> str | None:
    """Why an amount is refused (Japanese, for the donor), or None.

    With a tier the donor may give the tier's amount or more (the gift stays within 30 % of a
    larger donation); without a tier any whole-yen amount from the minimum is accepted.
    """
    if isinstance(amount_yen, bool) or not isinstance(amount_yen, int):
        return N_("金額は円単位の整数で入力してください。")
    if amount_yen < MIN_DONATION_YEN:
        return N_("寄附金額は%(min)s円以上で入力してください。", min=format(MIN_DONATION_YEN, ","))
    if amount_yen > MAX_DONATION_YEN:
        return N_("1回の寄附金額は%(max)s円までです。", max=format(MAX_DONATION_YEN, ","))
    if tier_amount_yen is not None and amount_yen < tier_amount_yen:
        return N_("このコースの寄附金額は%(min)s円以上です。", min=format(tier_amount_yen, ","))
    return None


@dataclass(frozen=True)
class DonorDetails:
    """Who gives: the receipt is issued to this name and address."""

    name: str
    name_kana: str
    email: str
    phone: str
    postal_code: str
    address: str
    birth_date: date | None = None
    gender: str | None = None


def donor_problems(
    donor: DonorDetails,
    *,
    onestop: bool,
    today: date,
    email_problem: str | None = None,
    postal_code_problems: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Field name → why its value is refused (a message), empty if none is.

    The email's form and the postal code's existence are checked where their references are
    (the email rules of accounts, Japan Post's data); their findings come in as arguments, so
    that a control character in any field is named last, over any other finding for it. A
    one-stop application needs a birth date before `today` and a gender."""
    fields: dict[str, str] = {}
    required = {
        "name": donor.name,
        "name_kana": donor.name_kana,
        "phone": donor.phone,
        "address": donor.address,
    }
    for name, value in required.items():
        if not (value or "").strip():
            fields[name] = N_("入力してください。")
    if email_problem:
        fields["email"] = email_problem
    phone_digits = "".join(c for c in donor.phone or "" if c.isdigit())
    if donor.phone and not 10 <= len(phone_digits) <= 11:
        fields["phone"] = N_("電話番号は10〜11桁で入力してください。")
    fields.update(postal_code_problems or {})
    if onestop:
        if donor.birth_date is None:
            fields["birth_date"] = N_("ワンストップ特例の申請には生年月日が必要です。")
        elif donor.birth_date >= today:
            fields["birth_date"] = N_("生年月日が正しくありません。")
        if donor.gender not in GENDERS:
            fields["gender"] = N_("ワンストップ特例の申請には性別の選択が必要です。")
    elif donor.gender not in (None, "", *GENDERS):
        fields["gender"] = N_("性別の値が正しくありません。")
    fields.update(
        text_rules.problems(
            {
                "name": donor.name,
                "name_kana": donor.name_kana,
                "email": donor.email,
                "phone": donor.phone,
                "postal_code": donor.postal_code,
                "address": donor.address,
            }
        )
    )
    return fields


def cleaned(donor: DonorDetails, *, onestop: bool, email: str, postal_code: str) -> DonorDetails:
    """The details as stored: trimmed to their columns, with the normalised email and postal
    code; a birth date and gender only with a one-stop application (nothing else needs them)."""
    return DonorDetails(
        name=donor.name.strip()[:100],
        name_kana=donor.name_kana.strip()[:100],
        email=email,
        phone=donor.phone.strip()[:30],
        postal_code=postal_code,
        address=donor.address.strip()[:300],
        birth_date=donor.birth_date if onestop else None,
        gender=(donor.gender or None) if onestop else None,
    )


def address_problem(address: str, prefecture: str, city: str) -> str | None:
    """Why an address is not in the place its postal code stands for (a message), or None.

    The receipt carries both: the address must start with the code's municipality, after its
    prefecture (which may be left out), a county (郡) may be left out too, and spaces and
    full-width forms do not matter."""
    text, pref, town = (_squashed(s) for s in (address, prefecture, city))
    if not text:
        return None  # a missing address is refused as such
    rest = text[len(pref) :] if pref and text.startswith(pref) else text
    towns = {town, re.sub(r"^.+?郡", "", town)}
    if any(t and rest.startswith(t) for t in towns):
        return None
    return N_(
        "住所が郵便番号の地域（%(place)s）と一致しません。郵便番号と住所をご確認ください。",
        place=prefecture + city,
    )


def _squashed(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def lives_in_city(municipality_code: str, city_municipality_code: str) -> bool:
    """Whether an address's municipality (JIS X 0402) is the city's own."""
    return municipality_code[:5] == city_municipality_code[:5]


class Pledged(NamedTuple):
    """What a pledge takes: the tier whose stock it holds a unit of, and whether a gift is sent."""

    tier_id: int | None
    gift: bool


def pledged(tier_id: int | None, tier_has_gift: bool, resident: bool) -> Pledged:
    """No gifts to the city's own residents: a resident's pledge is a plain gift to the city,
    taking no unit of a tier's stock (and so refused by no sold-out tier)."""
    if resident:
        return Pledged(tier_id=None, gift=False)
    return Pledged(tier_id=tier_id, gift=tier_id is not None and tier_has_gift)
