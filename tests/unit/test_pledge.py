"""The donor-detail rules and what a pledge takes for a resident (pure domain)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from furusato.domain.pledge import (
    DonorDetails,
    cleaned,
    donor_problems,
    lives_in_city,
    pledged,
)
from furusato.domain.text import LINE_PROBLEM

TODAY = date(2026, 12, 31)
HANAKO = DonorDetails(
    name="寄附 花子",
    name_kana="キフ ハナコ",
    email="hanako@example.jp",
    phone="090-1234-5678",
    postal_code="100-0001",
    address="東京都千代田区千代田1-1",
)


def _problems(
    donor: DonorDetails = HANAKO,
    onestop: bool = False,
    email_problem: str | None = None,
    postal_code_problems: dict[str, str] | None = None,
) -> dict[str, str]:
    return donor_problems(
        donor,
        onestop=onestop,
        today=TODAY,
        email_problem=email_problem,
        postal_code_problems=postal_code_problems,
    )


def test_complete_details_have_no_problem() -> None:
    """A donor with every required field filled in and a 10–11 digit phone is accepted."""
    assert _problems() == {}
    assert _problems(replace(HANAKO, phone="0312345678")) == {}


def test_blank_required_fields_are_named() -> None:
    """Name, kana, phone and address may not be empty or only spaces."""
    blank = replace(HANAKO, name=" ", name_kana="", phone="", address="　")
    assert set(_problems(blank)) == {"name", "name_kana", "phone", "address"}


def test_phone_needs_ten_or_eleven_digits() -> None:
    """Digits are counted whatever the separators; 9 and 12 digits are refused."""
    assert "phone" in _problems(replace(HANAKO, phone="090-1234-56"))
    assert "phone" in _problems(replace(HANAKO, phone="090-1234-56789"))
    assert _problems(replace(HANAKO, phone="(090) 1234 5678")) == {}


def test_onestop_needs_a_past_birth_date_and_a_gender() -> None:
    """A one-stop application needs a birth date before today and male or female."""
    assert set(_problems(onestop=True)) == {"birth_date", "gender"}
    born_today = replace(HANAKO, birth_date=TODAY, gender="female")
    assert set(_problems(born_today, onestop=True)) == {"birth_date"}
    grown = replace(HANAKO, birth_date=date(1980, 4, 1), gender="male")
    assert _problems(grown, onestop=True) == {}


def test_gender_without_onestop_may_be_empty_but_not_anything() -> None:
    """Without one-stop the gender is optional, but an unknown value is still refused."""
    assert _problems(replace(HANAKO, gender="")) == {}
    assert set(_problems(replace(HANAKO, gender="other"))) == {"gender"}


def test_findings_from_outside_are_named_and_a_control_character_wins() -> None:
    """The email and postal-code findings the service passes in are kept, unless the same
    field holds a control character: that is the message the donor sees for it."""
    found = _problems(
        email_problem="bad email", postal_code_problems={"postal_code": "unknown code"}
    )
    assert found == {"email": "bad email", "postal_code": "unknown code"}
    broken = replace(HANAKO, email="a\nb@example.jp")
    assert _problems(broken, email_problem="bad email") == {"email": LINE_PROBLEM}


def test_cleaned_details_are_trimmed_and_keep_onestop_fields_only_with_onestop() -> None:
    """Values are stripped and cut to their columns; birth date and gender only for one-stop."""
    messy = replace(
        HANAKO, name="  " + "名" * 120, phone=" 090-1234-5678 ", birth_date=date(1980, 4, 1)
    )
    plain = cleaned(messy, onestop=False, email="h@example.jp", postal_code="1000001")
    assert plain.name == "名" * 100 and plain.phone == "090-1234-5678"
    assert (plain.email, plain.postal_code) == ("h@example.jp", "1000001")
    assert (plain.birth_date, plain.gender) == (None, None)
    applying = cleaned(
        replace(messy, gender="female"), onestop=True, email="h@example.jp", postal_code="1000001"
    )
    assert (applying.birth_date, applying.gender) == (date(1980, 4, 1), "female")


def test_residency_is_the_five_digit_municipality_code() -> None:
    """An address is the city's own when the first five digits of the codes agree."""
    assert lives_in_city("272132", "27213")
    assert not lives_in_city("13101", "27213")


def test_a_resident_pledges_no_gift_and_takes_no_unit() -> None:
    """No gifts to the city's own residents: a resident's pledge holds no tier and no gift."""
    assert pledged(7, tier_has_gift=True, resident=True) == (None, False)
    assert pledged(7, tier_has_gift=True, resident=False) == (7, True)
    assert pledged(7, tier_has_gift=False, resident=False) == (7, False)
    assert pledged(None, tier_has_gift=False, resident=False) == (None, False)
