"""My Number check digit (施行令 第8条) and input normalisation."""

from __future__ import annotations

import pytest

from furusato.domain.mynumber import InvalidMyNumber, check_digit, is_valid, normalise, validate


def test_check_digit_of_the_published_example() -> None:
    """The widely published sample 1234 5678 9018 has check digit 8."""
    assert check_digit("12345678901") == 8
    assert validate("123456789018") == "123456789018"


def test_remainder_zero_or_one_gives_check_digit_zero() -> None:
    """r ≤ 1 gives 0: all zeros (r = 0) and a number whose weighted sum is 1 mod 11."""
    assert check_digit("00000000000") == 0
    # Only the rightmost digit set to 6: 6 × Q(1)=2 → 12 ≡ 1 (mod 11) → check digit 0.
    assert check_digit("00000000006") == 0
    # 5 × 2 = 10 → 11 − 10 = 1.
    assert check_digit("00000000005") == 1


def test_weights_switch_after_the_sixth_digit() -> None:
    """Q(n) = n + 1 for n ≤ 6 and n − 5 for n ≥ 7 (counted from the right)."""
    # Digit 1 at n = 7 weighs 2, at n = 6 weighs 7.
    assert check_digit("00001000000") == 11 - 2
    assert check_digit("00000100000") == 11 - 7


def test_every_wrong_last_digit_is_refused() -> None:
    """Only one final digit is valid for a given eleven."""
    valid = [d for d in "0123456789" if is_valid("12345678901" + d)]
    assert valid == ["8"]


def test_full_width_digits_and_separators_are_normalised() -> None:
    """What staff type (full-width, spaces, hyphens) becomes 12 ASCII digits."""
    assert normalise("１２３４ ５６７８-９０１８") == "123456789018"
    assert validate("１２３４ ５６７８ ９０１８") == "123456789018"


@pytest.mark.parametrize(
    "raw", ["", "12345678901", "1234567890189", "12345678901a", "١٢٣٤٥٦٧٨٩٠١٨"]
)
def test_wrong_shapes_are_refused_without_echoing_the_input(raw: str) -> None:
    """Too short, too long, letters or non-ASCII digits: refused, and the message has no digits."""
    with pytest.raises(InvalidMyNumber) as info:
        validate(raw)
    assert not any(ch.isdigit() for ch in str(info.value).replace("12桁", ""))
