"""The one-stop rules with numbers: the application deadline moved past holidays (地方税法第20条
の5第2項), the reminders' days, and notices addressed to a designated city for its wards."""

from __future__ import annotations

from datetime import date

import pytest

from furusato.domain.municipalities import designated_city, notice_code
from furusato.domain.onestop import application_deadline, notification_deadline
from furusato.domain.states import NOTICE, IllegalTransition
from furusato.services.fulfilment.onestop_reminders import kind_due


@pytest.mark.parametrize(
    ("tax_year", "deadline"),
    [
        (2023, date(2024, 1, 10)),  # a Wednesday: January 10 itself
        (2025, date(2026, 1, 13)),  # Sat 10, Sun 11, Mon 12 成人の日 → Tue 13
        (2026, date(2027, 1, 12)),  # Sun 10, Mon 11 成人の日 → Tue 12
        (2027, date(2028, 1, 11)),  # Mon 10 成人の日 → Tue 11
    ],
)
def test_application_deadline_is_january_10_moved_past_holidays(
    tax_year: int, deadline: date
) -> None:
    """January 10, or the next day that is no weekend or national holiday."""
    assert application_deadline(tax_year) == deadline
    assert notification_deadline(tax_year) == date(tax_year + 1, 1, 31)


@pytest.mark.parametrize(
    ("today", "kind"),
    [
        (date(2026, 12, 19), None),  # under: too early
        (date(2026, 12, 20), "first"),  # at the first day
        (date(2027, 1, 6), "first"),  # the day before the final window (deadline Jan 12)
        (date(2027, 1, 7), "final"),  # five days before the deadline
        (date(2027, 1, 11), "final"),  # the last day before it
        (date(2027, 1, 12), None),  # the deadline itself: too late to remind
    ],
)
def test_reminders_start_december_20_and_turn_final_five_days_before(
    today: date, kind: str | None
) -> None:
    """The kind due on each day around the edges, for 2026 (deadline 2027-01-12)."""
    assert kind_due(2026, today) == kind


@pytest.mark.parametrize(
    ("code", "city"),
    [
        ("27127", "27100"),  # 大阪市北区 → 大阪市
        ("27128", "27100"),  # 大阪市中央区, the last ward
        ("27141", "27140"),  # 堺市堺区 → 堺市
        ("14118", "14100"),  # 横浜市都筑区 → 横浜市
        ("14131", "14130"),  # 川崎市川崎区 → 川崎市, not 横浜市
        ("22140", "22130"),  # 浜松市天竜区 (2024) → 浜松市
        ("01101", "01100"),  # 札幌市中央区
        ("271276", "27100"),  # with its check digit
        ("13101", "13101"),  # 千代田区: a special ward levies its own tax
        ("27213", "27213"),  # 泉佐野市: an ordinary city
    ],
)
def test_a_ward_is_notified_as_its_designated_city(code: str, city: str) -> None:
    """Ward codes map to their city; other codes stay themselves."""
    assert notice_code(code) == city


def test_the_designated_city_carries_its_name() -> None:
    found = designated_city("27127")
    assert found is not None and found.full_name == "大阪府大阪市"
    assert designated_city("13101") is None


def test_a_notice_moves_only_along_its_machine() -> None:
    """due → sent → correction_due → corrected → cancellation_due → cancelled; no way back."""
    for current, target in [
        ("due", "sent"),
        ("sent", "correction_due"),
        ("correction_due", "corrected"),
        ("corrected", "cancellation_due"),
        ("cancellation_due", "cancelled"),
        ("due", "withdrawn"),
    ]:
        NOTICE.check(current, target)
    for current, target in [("due", "corrected"), ("cancelled", "sent"), ("withdrawn", "due")]:
        with pytest.raises(IllegalTransition):
            NOTICE.check(current, target)
