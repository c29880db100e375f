"""How a gift reaches people: a tier's delivery months (one, or a 定期便's N), and what a donor
may choose among what the tier's business offers (another recipient, 贈答包装, のし, a delivery
window in its carrier's conventions).

A 定期便 is N deliveries in the months its tier names; each is a shipment of its own, and the
gift rules count all of them (compliance.py: procurement × N ≤ 30 %, shipping × N in the 50 %
estimate). The residency rule is the donor's (pledge.py): a gift sent to someone else still goes
only to a donor who lives outside the city, wherever the recipient lives.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from furusato.domain import text as text_rules
from furusato.domain.messages import N_

MAX_DELIVERIES = 12  # a 定期便 of at most a year of monthly deliveries
MAX_SPAN_MONTHS = 24  # first to last delivery
MAX_NOSHI_NAME = 20  # 名入れ: a family name or two, as printed under the inscription

# --- the delivery months of a tier ---------------------------------------------------------


def schedule(first: date | None, months: Sequence[date] | None) -> tuple[date, ...]:
    """The months a gift is delivered in: a 定期便's months, else its one promised month."""
    if months:
        return tuple(months)
    return (first,) if first is not None else ()


def count(months: Sequence[date] | None) -> int:
    """Deliveries per donation: a 定期便's months, else one."""
    return max(len(months or ()), 1)


def _span(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def schedule_problem(months: Sequence[date]) -> str | None:
    """Why a 定期便's months cannot be its schedule, or None (an empty list: not a 定期便)."""
    if not months:
        return None
    if len(months) < 2:
        return N_("定期便のお届け月は2回分以上入力してください（1回なら「お届け予定月」に）。")
    if len(months) > MAX_DELIVERIES:
        return N_("定期便は%(n)s回までです。", n=MAX_DELIVERIES)
    if any(m.day != 1 for m in months):
        return N_("お届け月は月の初日で指定してください。")
    if any(later <= earlier for earlier, later in itertools.pairwise(months)):
        return N_("定期便のお届け月は重ならないよう、早い順に並べてください。")
    if _span(months[0], months[-1]) > MAX_SPAN_MONTHS:
        return N_("定期便は最初のお届けから%(n)sか月以内にしてください。", n=MAX_SPAN_MONTHS)
    return None


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_months(raw: str) -> tuple[list[date], str | None]:
    """'2027-06, 2027-08 2027-10' (commas, 、 or spaces between; full-width digits too) → the
    first days of those months, in the order written, or the reason it cannot be read."""
    words = [w for w in re.split(r"[\s,、，]+", unicodedata.normalize("NFKC", raw or "")) if w]
    months: list[date] = []
    for word in words:
        found = _MONTH.fullmatch(word.replace("/", "-"))
        if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
            return [], N_("お届け月は「2027-06」の形で、カンマで区切って入力してください。")
        months.append(date(int(found.group(1)), int(found.group(2)), 1))
    return months, None


# --- carriers and their delivery windows ----------------------------------------------------

# The windows a donor may ask for, in the order pages list them; each is a msgid.
WINDOWS: dict[str, str] = {
    "am": N_("午前中"),
    "12-14": N_("12時〜14時"),
    "14-16": N_("14時〜16時"),
    "16-18": N_("16時〜18時"),
    "18-20": N_("18時〜20時"),
    "19-21": N_("19時〜21時"),
}


@dataclass(frozen=True)
class Carrier:
    name: str  # a msgid
    # window → the code the carrier's label software reads in its 配達時間帯 column
    codes: Mapping[str, str]


# ヤマト運輸 (B2クラウド): no 12–14 window since 2017, 19–21 instead of 20–21.
# 佐川急便 (e飛伝): 01 is the morning; the others are the window's first hour.
CARRIERS: dict[str, Carrier] = {
    "yamato": Carrier(
        N_("ヤマト運輸（B2クラウド）"),
        {"am": "0812", "14-16": "1416", "16-18": "1618", "18-20": "1820", "19-21": "1921"},
    ),
    "sagawa": Carrier(
        N_("佐川急便（e飛伝）"),
        {"am": "01", "12-14": "12", "14-16": "14", "16-18": "16", "18-20": "18", "19-21": "19"},
    ),
}


def window_code(carrier: str, window: str) -> str:
    """The carrier's code for a window ("" for none, or a carrier without it)."""
    found = CARRIERS.get(carrier)
    return found.codes.get(window, "") if found is not None and window else ""


# のし: the inscription (表書き) printed on it; each is a msgid.
NOSHI: dict[str, str] = {
    "plain": N_("無地"),
    "orei": N_("御礼"),
    "oiwai": N_("御祝"),
    "uchiiwai": N_("内祝"),
    "ochugen": N_("御中元"),
    "oseibo": N_("御歳暮"),
    "onenga": N_("御年賀"),
}


@dataclass(frozen=True)
class GiftOffer:
    """What a business offers its donors' gifts: its carrier, the windows it delivers in,
    and whether it wraps gifts (贈答包装) and puts のし on them."""

    carrier: str = ""
    windows: tuple[str, ...] = ()
    wrapping: bool = False
    noshi: bool = False


def offer_problems(offer: GiftOffer) -> dict[str, str]:
    """Field → why the offer cannot be stored: windows need a carrier that has them."""
    fields: dict[str, str] = {}
    if offer.carrier and offer.carrier not in CARRIERS:
        fields["carrier"] = N_("運送会社を選んでください。")
    elif offer.windows:
        carrier = CARRIERS.get(offer.carrier)
        if carrier is None:
            fields["delivery_windows"] = N_("時間帯指定には運送会社の選択が必要です。")
        elif len(set(offer.windows)) != len(offer.windows) or any(
            w not in carrier.codes for w in offer.windows
        ):
            fields["delivery_windows"] = N_("この運送会社が指定できる時間帯から選んでください。")
    return fields


def offered_windows(offer: GiftOffer) -> tuple[str, ...]:
    """The offer's windows in the order pages list them."""
    return tuple(w for w in WINDOWS if w in offer.windows)


# --- what a donor chooses -------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """Someone else the gift is sent to (the receipt stays the donor's)."""

    name: str
    postal_code: str
    address: str
    phone: str


@dataclass(frozen=True)
class GiftChoice:
    recipient: Recipient | None = None
    wrapping: bool = False
    noshi: str = ""  # a key of NOSHI, "" for none
    noshi_name: str = ""
    delivery_window: str = ""  # a key of WINDOWS, "" for none

    @property
    def empty(self) -> bool:
        return self == GiftChoice()

    @property
    def asks_offer(self) -> bool:
        """Whether it asks for anything the business must offer."""
        return self.wrapping or bool(self.noshi or self.noshi_name or self.delivery_window)


NONE = GiftChoice()


def choice_problems(
    choice: GiftChoice,
    offer: GiftOffer,
    *,
    postal_code_problems: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Field → why the choice is refused (the keys the API's body names: `recipient.name` …).

    The recipient's postal code is looked up where Japan Post's data is; its findings come in
    as `postal_code_problems`. A control character in any field is named last, over any other
    finding for it (as for the donor's details)."""
    fields: dict[str, str] = {}
    person = choice.recipient
    if person is not None:
        values = {"name": person.name, "address": person.address, "phone": person.phone}
        for name, value in values.items():
            if not (value or "").strip():
                fields[f"recipient.{name}"] = N_("入力してください。")
        for name, limit in (("name", 100), ("address", 300), ("phone", 30)):
            if len((values[name] or "").strip()) > limit:
                fields[f"recipient.{name}"] = N_("%(n)s文字以内にしてください。", n=limit)
        digits = "".join(c for c in person.phone or "" if c.isdigit())
        if person.phone and not 10 <= len(digits) <= 11:
            fields["recipient.phone"] = N_("電話番号は10〜11桁で入力してください。")
        for name, message in (postal_code_problems or {}).items():
            fields[f"recipient.{name}"] = message
    if choice.wrapping and not offer.wrapping:
        fields["gift_wrapping"] = N_("この事業者は贈答包装を承っていません。")
    if choice.noshi and choice.noshi not in NOSHI:
        fields["noshi"] = N_("のしの表書きを選んでください。")
    elif choice.noshi and not offer.noshi:
        fields["noshi"] = N_("この事業者はのしを承っていません。")
    if choice.noshi_name and not choice.noshi:
        fields["noshi_name"] = N_("名入れはのしを選んだときだけ指定できます。")
    elif len(choice.noshi_name.strip()) > MAX_NOSHI_NAME:
        fields["noshi_name"] = N_("%(n)s文字以内にしてください。", n=MAX_NOSHI_NAME)
    if choice.delivery_window and choice.delivery_window not in offered_windows(offer):
        fields["delivery_window"] = N_("この事業者が指定できる時間帯から選んでください。")
    lines = {"noshi_name": choice.noshi_name}
    if person is not None:
        lines |= {f"recipient.{k}": v for k, v in vars(person).items()}
    fields.update(text_rules.problems(lines))
    return fields


def cleaned(choice: GiftChoice, *, postal_code: str) -> GiftChoice:
    """The choice as stored: trimmed, with the recipient's normalised postal code."""
    person = choice.recipient
    return GiftChoice(
        recipient=Recipient(
            name=person.name.strip(),
            postal_code=postal_code,
            address=person.address.strip(),
            phone=person.phone.strip(),
        )
        if person is not None
        else None,
        wrapping=choice.wrapping,
        noshi=choice.noshi,
        noshi_name=choice.noshi_name.strip() if choice.noshi else "",
        delivery_window=choice.delivery_window,
    )


def label_note(
    *,
    delivery_number: int,
    delivery_count: int,
    gift_from: str,
    wrapping: bool,
    noshi: str,
    noshi_name: str,
) -> str:
    """What a label's 記事 column says of one delivery, in Japanese (the carrier's staff and the
    packer read it): 定期便2/3回目・山田 花子様より・贈答包装・のし：御歳暮（山田）."""
    parts = []
    if delivery_count > 1:
        parts.append(f"定期便{delivery_number}/{delivery_count}回目")
    if gift_from:
        parts.append(f"{gift_from}様より")
    if wrapping:
        parts.append("贈答包装")
    if noshi:
        inscription = NOSHI.get(noshi, noshi)
        parts.append(f"のし：{inscription}" + (f"（{noshi_name}）" if noshi_name else ""))
    return "・".join(parts)
