"""The geometry of the pages' pictures: scales, bars and lines as numbers that an SVG template
draws (templates/macros/charts.html). No library draws them: a few rectangles and one polyline
read without JavaScript, print, and keep their figures in a table next to them.

Coordinates are in the SVG's own units (its viewBox); the page scales the picture to its width.
Amounts stay integer yen; only positions are floats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

NICE_STEPS = (1, 2, 2.5, 5, 10)


def nice_ceiling(value: int) -> int:
    """The smallest round number (1, 2, 2.5 or 5 times a power of ten) at or above `value`,
    so that an axis ends on a figure people read at a glance. 0 stays 0."""
    if value <= 0:
        return 0
    power = 1
    while power * 10 <= value:
        power *= 10
    for step in NICE_STEPS:
        candidate = int(step * power)
        if candidate >= value:
            return candidate
    return power * 10  # pragma: no cover - NICE_STEPS ends at 10


def ticks(maximum: int, count: int = 4) -> list[int]:
    """`count` + 1 evenly spaced values from 0 to `maximum` (a nice ceiling), whole yen."""
    if maximum <= 0:
        return [0]
    return [maximum * i // count for i in range(count + 1)]


@dataclass(frozen=True)
class Frame:
    """The picture's size and the margins around its plot (room for the axis labels)."""

    width: int = 720
    height: int = 240
    left: int = 96
    right: int = 16
    top: int = 16
    bottom: int = 32

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def base(self) -> float:
        """The y of the zero line."""
        return self.height - self.bottom

    def y(self, value: int, maximum: int) -> float:
        if maximum <= 0:
            return self.base
        return round(self.base - self.plot_height * min(value, maximum) / maximum, 2)


# A page draws each picture twice and shows one by its width (CSS): the wide one for screens
# from a tablet up, the narrow one at a phone's width, where text keeps its size.
WIDE = Frame()
NARROW = Frame(width=360, height=220, left=78, right=10, top=14, bottom=28)


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class Bar:
    day: date
    value: int
    x: float
    y: float
    width: float
    height: float
    highlight: bool


@dataclass(frozen=True)
class MonthMark:
    """Where a month starts on a day axis, and that month's totals (the table's rows)."""

    month: date  # its first day
    x: float
    total_yen: int
    days_with_donations: int
    highlight: bool


@dataclass(frozen=True)
class DailyBars:
    frame: Frame
    bars: list[Bar]
    ticks: list[Tick]
    months: list[MonthMark]
    maximum: int
    total_yen: int
    highlight_month: int | None
    band: tuple[float, float] | None  # x and width of the highlighted month's days

    @property
    def peak(self) -> Bar | None:
        return max(self.bars, key=lambda b: b.value, default=None)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def daily_bars(
    totals: Mapping[date, int],
    first: date,
    last: date,
    *,
    highlight_month: int | None = None,
    frame: Frame | None = None,
) -> DailyBars:
    """One bar per day from `first` to `last` (days without donations have none), scaled to
    the largest day; the days of `highlight_month` are marked (December: the year-end rush)."""
    if last < first:
        raise ValueError("last must not be before first")
    frame = frame or Frame()
    days = _days(first, last)
    slot = frame.plot_width / len(days)
    maximum = nice_ceiling(max((totals.get(d, 0) for d in days), default=0))
    bars: list[Bar] = []
    for index, day in enumerate(days):
        value = totals.get(day, 0)
        if value <= 0:
            continue
        y = frame.y(value, maximum)
        bars.append(
            Bar(
                day=day,
                value=value,
                x=round(frame.left + index * slot, 2),
                y=y,
                width=round(max(slot * 0.8, 0.5), 2),
                height=round(frame.base - y, 2),
                highlight=day.month == highlight_month,
            )
        )
    months: list[MonthMark] = []
    for index, day in enumerate(days):
        if index == 0 or day.day == 1:
            in_month = [d for d in days if (d.year, d.month) == (day.year, day.month)]
            values = [totals.get(d, 0) for d in in_month]
            months.append(
                MonthMark(
                    month=day.replace(day=1),
                    x=round(frame.left + index * slot, 2),
                    total_yen=sum(values),
                    days_with_donations=sum(1 for v in values if v > 0),
                    highlight=day.month == highlight_month,
                )
            )
    marked = [index for index, day in enumerate(days) if day.month == highlight_month]
    band = (
        (round(frame.left + marked[0] * slot, 2), round(len(marked) * slot, 2)) if marked else None
    )
    return DailyBars(
        frame=frame,
        bars=bars,
        ticks=[Tick(v, frame.y(v, maximum)) for v in ticks(maximum)],
        months=months,
        maximum=maximum,
        total_yen=sum(totals.get(d, 0) for d in days),
        highlight_month=highlight_month,
        band=band,
    )


@dataclass(frozen=True)
class Level:
    """A horizontal line across a line chart (the target, the cap)."""

    name: str
    value: int
    y: float


@dataclass(frozen=True)
class CurvePoint:
    day: date
    added_yen: int  # paid that day
    total_yen: int  # paid up to and including that day


@dataclass(frozen=True)
class Curve:
    frame: Frame
    first: date
    last: date
    points: list[CurvePoint]  # the days something was paid, in order
    polyline: str  # "x,y x,y …": the running total as steps, from `first` to the last day shown
    ticks: list[Tick]
    levels: list[Level]
    months: list[tuple[date, float]]  # the first of each month inside the range, and its x
    maximum: int

    @property
    def total_yen(self) -> int:
        return self.points[-1].total_yen if self.points else 0


def running_total(
    paid: Mapping[date, int],
    first: date,
    last: date,
    *,
    until: date,
    levels: Sequence[tuple[str, int]] = (),
    frame: Frame | None = None,
) -> Curve:
    """The running total of `paid` (yen per day) from `first` to `last` drawn as steps up to
    `until` (today, or the last day when it is past), with horizontal `levels` (target, cap).
    The scale reaches the highest level or the total, whichever is larger."""
    if last < first:
        raise ValueError("last must not be before first")
    frame = frame or Frame()
    span = max((last - first).days + 1, 1)
    end = min(max(until, first), last)

    def x(day: date) -> float:
        return round(frame.left + frame.plot_width * (day - first).days / span, 2)

    points: list[CurvePoint] = []
    running = 0
    for day in sorted(d for d in paid if first <= d <= last and paid[d] != 0):
        running += paid[day]
        points.append(CurvePoint(day, paid[day], running))
    maximum = nice_ceiling(max([v for _, v in levels] + [running, 1]))
    coordinates = [(x(first), frame.y(0, maximum))]
    level = 0
    for point in points:
        if point.day > end:
            break
        coordinates.append((x(point.day), frame.y(level, maximum)))
        level = point.total_yen
        coordinates.append((x(point.day), frame.y(level, maximum)))
    coordinates.append((x(end + timedelta(days=1)), frame.y(level, maximum)))
    months = [(day, x(day)) for day in _days(first, last) if day.day == 1 or day == first]
    return Curve(
        frame=frame,
        first=first,
        last=last,
        points=points,
        polyline=" ".join(f"{px},{py}" for px, py in coordinates),
        ticks=[Tick(v, frame.y(v, maximum)) for v in ticks(maximum)],
        levels=[Level(name, value, frame.y(value, maximum)) for name, value in levels],
        months=months,
        maximum=maximum,
    )


@dataclass(frozen=True)
class Share:
    """One row of a horizontal bar list: its share of the longest row, in percent."""

    name: str
    value: int
    percent: float


def shares(rows: Sequence[tuple[str, int]]) -> list[Share]:
    """Rows scaled to the largest value (a value of 0 draws no bar)."""
    largest = max((v for _, v in rows), default=0)
    return [
        Share(name, value, round(100 * max(value, 0) / largest, 2) if largest > 0 else 0.0)
        for name, value in rows
    ]


@dataclass(frozen=True)
class Meter:
    """Progress toward a target and a cap on one bar that ends at the cap."""

    paid_yen: int
    target_yen: int
    cap_yen: int
    paid_percent: float  # of the bar (the cap), at most 100
    target_percent: float  # where the target's mark stands on the bar
    funded: bool
    full: bool  # the cap is reached


def meter(paid_yen: int, target_yen: int, cap_yen: int) -> Meter:
    scale = max(cap_yen, target_yen, 1)
    return Meter(
        paid_yen=paid_yen,
        target_yen=target_yen,
        cap_yen=cap_yen,
        paid_percent=round(100 * min(max(paid_yen, 0), scale) / scale, 2),
        target_percent=round(100 * target_yen / scale, 2),
        funded=paid_yen >= target_yen,
        full=cap_yen > 0 and paid_yen >= cap_yen,
    )
