"""Japanese formatting of money and time for templates and mails."""

from __future__ import annotations

from datetime import UTC, date, datetime

from furusato.domain.money import to_jst


def yen(amount: int | None) -> str:
    """¥10,000"""
    if amount is None:
        return ""
    return f"¥{amount:,}"


def jdate(value: date | datetime | None) -> str:
    """2026年12月31日 (a datetime is shown in JST)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_jst(value)
    return f"{value.year}年{value.month}月{value.day}日"


def jdatetime(value: datetime | None) -> str:
    """2026年12月31日 23:59 (JST)"""
    if value is None:
        return ""
    local = to_jst(value)
    return f"{jdate(local)} {local:%H:%M}"


def jmonth(value: date | None) -> str:
    """2027年3月"""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月"


def hours_left(deadline: datetime | None) -> int | None:
    """Whole hours until a deadline, rounded up (for the last day, where "1 day" says too
    little)."""
    if deadline is None:
        return None
    seconds = (deadline - datetime.now(UTC)).total_seconds()
    return max(int(-(-seconds // 3600)), 0)


FILTERS = {
    "yen": yen,
    "jdate": jdate,
    "jdatetime": jdatetime,
    "jmonth": jmonth,
    "hours_left": hours_left,
}
