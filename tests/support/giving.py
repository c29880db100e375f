"""Builders for giving tests: donor details and a pledged donation with its card saved."""

from __future__ import annotations

import itertools
import secrets
from datetime import date
from typing import Any

from furusato.domain import deliveries
from furusato.domain.deliveries import GiftChoice
from furusato.domain.pledge import DonorDetails
from furusato.services.giving import donations
from furusato.services.giving.donations import Pledge

_seq = itertools.count(1)
OUTSIDE_POSTAL_CODE = "1000001"  # 東京都千代田区: not a resident
RESIDENT_POSTAL_CODE = "5980005"  # 大阪府泉佐野市市場東: the city's own resident


def give_form(token: str = "tok-1", **kw: Any) -> dict[str, Any]:  # noqa: S107
    """The give page's form as a browser posts it (a guest, no tier, 5,000 yen); `kw` overrides."""
    data: dict[str, Any] = {
        "creation_token": token,
        "tier": "",
        "amount_yen": "5000",
        "name": "寄附 花子",
        "name_kana": "キフ ハナコ",
        "email": "hanako@example.jp",
        "phone": "090-1234-5678",
        "postal_code": "100-0001",
        "address": "東京都千代田区千代田1-1",
        "agree": "y",
    }
    data.update(kw)
    return data


def donor(**kw: Any) -> DonorDetails:
    n = next(_seq)
    values: dict[str, Any] = {
        "name": "寄附 花子",
        "name_kana": "キフ ハナコ",
        "email": f"giver{n}@example.jp",
        "phone": "090-1234-5678",
        "postal_code": OUTSIDE_POSTAL_CODE,
        "address": "東京都千代田区千代田1-1",
        "birth_date": None,
        "gender": None,
    }
    values.update(kw)
    return DonorDetails(**values)


def onestop_donor(**kw: Any) -> DonorDetails:
    return donor(birth_date=date(1980, 4, 1), gender="female", **kw)


def pledge(
    project_id: int,
    *,
    tier_id: int | None = None,
    amount_yen: int = 10_000,
    details: DonorDetails | None = None,
    onestop: bool = False,
    key: str | None = None,
    user_id: int | None = None,
    card_setup: bool = True,
    gift: GiftChoice = deliveries.NONE,
) -> Pledge:
    return donations.create(
        project_id=project_id,
        tier_id=tier_id,
        amount_yen=amount_yen,
        donor=details or donor(),
        onestop=onestop,
        creation_key=key or f"test:{secrets.token_hex(8)}",
        user_id=user_id,
        card_setup=card_setup,
        gift=gift,
    )
