"""How a gift reaches people: a 定期便's months, what a business offers, what a donor asks for."""

from __future__ import annotations

from datetime import date

import pytest

from furusato.domain import deliveries
from furusato.domain.deliveries import GiftChoice, GiftOffer, Recipient
from furusato.domain.text import LINE_PROBLEM


def months(*pairs: tuple[int, int]) -> list[date]:
    return [date(y, m, 1) for y, m in pairs]


def monthly(n: int) -> list[date]:
    return [date(2027 + (i // 12), i % 12 + 1, 1) for i in range(n)]


def test_a_single_delivery_is_its_one_month_and_counts_once() -> None:
    """No 定期便 months: one delivery in the promised month (none without one)."""
    assert deliveries.schedule(date(2027, 3, 1), []) == (date(2027, 3, 1),)
    assert deliveries.schedule(None, []) == ()
    assert deliveries.count([]) == 1 and deliveries.count(None) == 1


def test_a_teikibin_is_its_months_counted_each() -> None:
    """A 定期便's months are its deliveries, in order, and count one each."""
    three = months((2027, 6), (2027, 8), (2027, 10))
    assert deliveries.schedule(date(2027, 6, 1), three) == tuple(three)
    assert deliveries.count(three) == 3


@pytest.mark.parametrize(
    ("n", "ok"), [(1, False), (2, True), (12, True), (13, False)], ids=["1", "2", "12", "13"]
)
def test_a_teikibin_has_two_to_twelve_deliveries(n: int, ok: bool) -> None:
    """Under two is not a 定期便 (one month is the promised month); over twelve is refused."""
    assert (deliveries.schedule_problem(monthly(n)) is None) is ok


def test_months_must_run_forward_without_repeats() -> None:
    """Repeated or backwards months are refused; an empty list is no 定期便 and no problem."""
    assert deliveries.schedule_problem(months((2027, 6), (2027, 6))) is not None
    assert deliveries.schedule_problem(months((2027, 8), (2027, 6))) is not None
    assert deliveries.schedule_problem([date(2027, 6, 1), date(2027, 7, 2)]) is not None
    assert deliveries.schedule_problem([]) is None


@pytest.mark.parametrize(
    ("last", "ok"), [((2028, 12), True), ((2029, 1), True), ((2029, 2), False)]
)
def test_a_teikibin_spans_at_most_24_months(last: tuple[int, int], ok: bool) -> None:
    """January 2027 to January 2029 is 24 months: allowed; one month more is not."""
    assert (deliveries.schedule_problem(months((2027, 1), last)) is None) is ok


def test_months_are_read_as_people_type_them() -> None:
    """Commas, 、, spaces and full-width digits; anything else is a readable refusal."""
    read, problem = deliveries.parse_months("2027-06, 2027-8、２０２７-１０ 2027/12")
    assert problem is None and read == months((2027, 6), (2027, 8), (2027, 10), (2027, 12))
    assert deliveries.parse_months("") == ([], None)
    for bad in ("2027-13", "June", "27-06", "2027-06-01"):
        assert deliveries.parse_months(bad)[1] is not None, bad


def test_a_carrier_offers_its_own_windows_only() -> None:
    """ヤマト has no 12–14 window; 佐川 has; windows need a carrier; unknown carriers refused."""
    assert deliveries.offer_problems(GiftOffer("yamato", ("am", "19-21"))) == {}
    assert "delivery_windows" in deliveries.offer_problems(GiftOffer("yamato", ("12-14",)))
    assert deliveries.offer_problems(GiftOffer("sagawa", ("12-14",))) == {}
    assert "delivery_windows" in deliveries.offer_problems(GiftOffer("", ("am",)))
    assert "carrier" in deliveries.offer_problems(GiftOffer("fukutsu", ()))
    assert deliveries.offer_problems(GiftOffer("", (), wrapping=True, noshi=True)) == {}


def test_window_codes_follow_each_carriers_label_software() -> None:
    """B2クラウド's 0812 and 1921, e飛伝's 01 and 19; nothing for no window or no carrier."""
    assert deliveries.window_code("yamato", "am") == "0812"
    assert deliveries.window_code("yamato", "19-21") == "1921"
    assert deliveries.window_code("sagawa", "am") == "01"
    assert deliveries.window_code("sagawa", "19-21") == "19"
    assert deliveries.window_code("yamato", "") == ""
    assert deliveries.window_code("", "am") == ""


OFFER = GiftOffer("yamato", ("am", "14-16"), wrapping=True, noshi=True)
SOMEONE = Recipient("贈答 太郎", "598-0005", "大阪府泉佐野市市場東1-1", "072-463-1212")


def test_a_choice_within_the_offer_is_accepted() -> None:
    """Another recipient, wrapping, のし with a name, an offered window: no problem."""
    choice = GiftChoice(SOMEONE, wrapping=True, noshi="oseibo", noshi_name="山田", delivery_window="am")
    assert deliveries.choice_problems(choice, OFFER) == {}


def test_what_the_business_does_not_offer_is_refused() -> None:
    """Wrapping, のし and a window the business does not offer are each named."""
    choice = GiftChoice(None, wrapping=True, noshi="orei", delivery_window="14-16")
    found = deliveries.choice_problems(choice, GiftOffer("yamato", ("am",)))
    assert set(found) == {"gift_wrapping", "noshi", "delivery_window"}


@pytest.mark.parametrize(("name", "ok"), [("山" * 20, True), ("山" * 21, False)])
def test_noshi_name_is_at_most_20_characters_and_needs_noshi(name: str, ok: bool) -> None:
    """名入れ of 20 characters fits, 21 does not; a name without のし is refused."""
    found = deliveries.choice_problems(GiftChoice(noshi="plain", noshi_name=name), OFFER)
    assert ("noshi_name" not in found) is ok
    assert "noshi_name" in deliveries.choice_problems(GiftChoice(noshi_name="山田"), OFFER)


@pytest.mark.parametrize(
    ("phone", "ok"),
    [("072-463-121", False), ("072-463-1212", True), ("090-1234-5678", True), ("090-1234-56789", False)],
    ids=["9", "10", "11", "12"],
)
def test_a_recipients_phone_has_ten_or_eleven_digits(phone: str, ok: bool) -> None:
    """As the donor's: 10 or 11 digits."""
    person = Recipient("贈答 太郎", "5980005", "大阪府泉佐野市市場東1-1", phone)
    found = deliveries.choice_problems(GiftChoice(person), OFFER)
    assert ("recipient.phone" not in found) is ok


def test_a_recipient_needs_name_address_and_phone_on_one_line() -> None:
    """Empty fields are named; a line break in a recipient's field is a single-line refusal;
    the postal code's findings come from the lookup."""
    empty = Recipient("", "5980005", " ", "")
    found = deliveries.choice_problems(
        GiftChoice(empty), OFFER, postal_code_problems={"postal_code": "見つからない郵便番号です。"}
    )
    assert set(found) == {
        "recipient.name",
        "recipient.address",
        "recipient.phone",
        "recipient.postal_code",
    }
    broken = Recipient("贈答\r\nBcc: x", "5980005", "泉佐野市", "0724631212")
    assert deliveries.choice_problems(GiftChoice(broken), OFFER)["recipient.name"] == LINE_PROBLEM


def test_a_labels_note_says_what_the_packer_must_do() -> None:
    """定期便 number, sender, wrapping and のし, in the label's 記事 column; nothing for none."""
    note = deliveries.label_note(
        delivery_number=2,
        delivery_count=3,
        gift_from="山田 花子",
        wrapping=True,
        noshi="oseibo",
        noshi_name="山田",
    )
    assert note == "定期便2/3回目・山田 花子様より・贈答包装・のし：御歳暮（山田）"
    plain = deliveries.label_note(
        delivery_number=1, delivery_count=1, gift_from="", wrapping=False, noshi="", noshi_name=""
    )
    assert plain == ""
