"""The pictures' geometry: round axis ends, bars in their day's place and height, a running
total as steps against target and cap, and a meter that ends at the cap."""

from __future__ import annotations

from datetime import date

import pytest

from furusato.domain import charts


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 0), (1, 1), (7, 10), (101, 200), (240_000, 250_000), (250_001, 500_000), (999, 1000)],
)
def test_an_axis_ends_on_a_round_figure(value: int, ceiling: int) -> None:
    """The scale's top is the smallest 1, 2, 2.5 or 5 × 10ⁿ at or above the largest value."""
    assert charts.nice_ceiling(value) == ceiling


def test_daily_bars_place_each_day_and_mark_december() -> None:
    """A fiscal year has one slot per day; a day's bar stands in its slot, as tall as its share
    of the scale; December's bars and band are marked, and months add up for the table."""
    frame = charts.Frame(width=465, height=120, left=100, right=0, top=20, bottom=0)
    first, last = date(2026, 4, 1), date(2027, 3, 31)  # 365 days: one unit per day
    totals = {date(2026, 4, 1): 10_000, date(2026, 12, 31): 50_000, date(2026, 12, 30): 25_000}
    chart = charts.daily_bars(totals, first, last, highlight_month=12, frame=frame)
    assert chart.maximum == 50_000 and chart.total_yen == 85_000
    april, dec30, dec31 = chart.bars
    assert (april.x, april.y, april.height, april.highlight) == (100.0, 100.0, 20.0, False)
    assert (dec31.x, dec31.y, dec31.height, dec31.highlight) == (374.0, 20.0, 100.0, True)
    assert dec30.height == 50.0 and dec30.highlight
    assert chart.peak == dec31
    assert chart.band == (344.0, 31.0)
    assert [m.month.month for m in chart.months] == [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
    december = chart.months[8]
    assert (december.total_yen, december.days_with_donations, december.highlight) == (
        75_000,
        2,
        True,
    )
    assert [t.value for t in chart.ticks] == [0, 12_500, 25_000, 37_500, 50_000]


def test_a_year_without_donations_draws_no_bar() -> None:
    chart = charts.daily_bars({}, date(2026, 4, 1), date(2027, 3, 31), highlight_month=12)
    assert chart.bars == [] and chart.peak is None and chart.total_yen == 0
    assert [t.value for t in chart.ticks] == [0]


def test_running_total_climbs_in_steps_and_stops_today() -> None:
    """The curve rises on each day something was paid, stays flat after, and ends at today
    (the rest of the campaign is still to come); target and cap lines stand at their level."""
    frame = charts.Frame(width=100, height=100, left=0, right=0, top=0, bottom=0)
    first, last = date(2026, 12, 1), date(2026, 12, 10)  # 10 days: 10 units each
    paid = {date(2026, 12, 2): 30_000, date(2026, 12, 4): 20_000, date(2026, 12, 9): 5_000}
    curve = charts.running_total(
        paid,
        first,
        last,
        until=date(2026, 12, 5),
        levels=[("target", 50_000), ("cap", 100_000)],
        frame=frame,
    )
    assert curve.maximum == 100_000
    assert [(p.day.day, p.added_yen, p.total_yen) for p in curve.points] == [
        (2, 30_000, 30_000),
        (4, 20_000, 50_000),
        (9, 5_000, 55_000),  # in the table; beyond today it is not drawn
    ]
    assert curve.polyline == "0.0,100.0 10.0,100.0 10.0,70.0 30.0,70.0 30.0,50.0 50.0,50.0"
    assert [(lv.name, lv.y) for lv in curve.levels] == [("target", 50.0), ("cap", 0.0)]
    assert curve.total_yen == 55_000


def test_a_total_above_the_cap_still_fits() -> None:
    """More paid than the cap (a next goal, or pledges that finished late) raises the scale."""
    curve = charts.running_total(
        {date(2026, 12, 1): 130_000},
        date(2026, 12, 1),
        date(2026, 12, 31),
        until=date(2027, 1, 15),
        levels=[("target", 50_000), ("cap", 100_000)],
    )
    assert curve.maximum == 200_000
    assert all(float(xy.split(",")[1]) >= curve.frame.top for xy in curve.polyline.split())


def test_shares_scale_to_the_largest_row() -> None:
    rows = charts.shares([("a", 200), ("b", 50), ("c", 0)])
    assert [(s.name, s.percent) for s in rows] == [("a", 100.0), ("b", 25.0), ("c", 0.0)]
    assert [s.percent for s in charts.shares([("a", 0)])] == [0.0]


def test_the_meter_ends_at_the_cap_and_marks_the_target() -> None:
    """Paid 150,000 of target 100,000 and cap 200,000: three quarters of the bar, funded."""
    m = charts.meter(150_000, 100_000, 200_000)
    assert (m.paid_percent, m.target_percent, m.funded, m.full) == (75.0, 50.0, True, False)
    full = charts.meter(250_000, 100_000, 200_000)
    assert (full.paid_percent, full.full) == (100.0, True)
    assert charts.meter(0, 100_000, 200_000).funded is False
