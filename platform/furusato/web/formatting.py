"""Formatting of money and time for pages: Japanese, with English dates on English pages."""

from __future__ import annotations

from datetime import date, datetime

from furusato.domain import deliveries
from furusato.domain.money import jdate, jdatetime, jmonth, to_jst, utcnow


def yen(amount: int | None) -> str:
    """¥10,000"""
    if amount is None:
        return ""
    return f"¥{amount:,}"








def hours_left(deadline: datetime | None) -> int | None:
    """Whole hours until a deadline, rounded up (for the last day, where "1 day" says too
    little)."""
    if deadline is None:
        return None
    seconds = (deadline - utcnow()).total_seconds()
    return max(int(-(-seconds // 3600)), 0)


# Fixed names: strftime's %b follows the C library's locale, which a server may set to Japanese.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _english() -> bool:
    from flask import has_request_context
    from flask_babel import get_locale

    return has_request_context() and str(get_locale()) == "en"


def page_date(value: date | datetime | None) -> str:
    """The page's date: 2026年12月31日, or Dec 31, 2026 on English pages (always JST)."""
    if value is None or not _english():
        return jdate(value)
    if isinstance(value, datetime):
        value = to_jst(value)
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


def page_datetime(value: datetime | None) -> str:
    """2026年12月31日 23:59, or Dec 31, 2026 23:59 JST on English pages."""
    if value is None or not _english():
        return jdatetime(value)
    local = to_jst(value)
    return f"{page_date(local)} {local:%H:%M} JST"


def page_month(value: date | None) -> str:
    """2027年3月, or Mar 2027 on English pages."""
    if value is None or not _english():
        return jmonth(value)
    return f"{MONTHS[value.month - 1]} {value.year}"


def page_month_short(value: date) -> str:
    """12月, or Dec on English pages: a month on a chart's axis."""
    return MONTHS[value.month - 1] if _english() else f"{value.month}月"


def noshi_label(code: str) -> str:
    """のし's inscription for its code (a msgid: `|translated` shows it in the page's language)."""
    return deliveries.NOSHI.get(code, code)


def window_label(code: str) -> str:
    """A delivery window's words for its code (a msgid, like noshi_label)."""
    return deliveries.WINDOWS.get(code, code)


# Templates get the page-language versions; documents and mails stay Japanese.
FILTERS = {
    "yen": yen,
    "jdate": page_date,
    "jdatetime": page_datetime,
    "jmonth": page_month,
    "month_short": page_month_short,
    "hours_left": hours_left,
    "noshi_label": noshi_label,
    "window_label": window_label,
}
