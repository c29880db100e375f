"""My Number (個人番号): normalising what staff type and checking the check digit.

The check digit is defined by 行政手続における特定の個人を識別するための番号の利用等に関する
法律施行令 第8条: with P(n) the n-th of the first eleven digits counted from the right and
Q(n) = n + 1 for n ≤ 6, n − 5 for n ≥ 7, r = Σ P(n)·Q(n) mod 11; the check digit is 0 when
r ≤ 1, else 11 − r. Nothing here logs or keeps the number.
"""

from __future__ import annotations

import unicodedata

from furusato.domain.messages import N_

LENGTH = 12
MASK = "＊" * LENGTH  # how a stored number is shown: fully masked, never partly


class InvalidMyNumber(ValueError):
    """The input is not a valid 12-digit My Number (the message never contains it)."""


def check_digit(first_eleven: str) -> int:
    if len(first_eleven) != LENGTH - 1 or not first_eleven.isascii() or not first_eleven.isdigit():
        raise InvalidMyNumber("eleven ASCII digits are needed to compute the check digit")
    total = 0
    for n, char in enumerate(reversed(first_eleven), start=1):
        q = n + 1 if n <= 6 else n - 5
        total += int(char) * q
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def normalise(raw: str) -> str:
    """Full-width digits become ASCII; spaces and hyphens people type between groups go."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if ch not in " -\u2010\u2011\u2012\u2013\u2212\t")


def validate(raw: str) -> str:
    """The 12 ASCII digits of a valid My Number, or InvalidMyNumber."""
    number = normalise(raw)
    if len(number) != LENGTH or not number.isascii() or not number.isdigit():
        raise InvalidMyNumber(N_("個人番号は12桁の数字で入力してください。"))
    if check_digit(number[:-1]) != int(number[-1]):
        raise InvalidMyNumber(N_("個人番号の検査用数字が一致しません。番号をご確認ください。"))
    return number


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except InvalidMyNumber:
        return False
    return True
