"""Integer-yen arithmetic: targets, caps, subsidies, tax years. No floats anywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")

MIN_DONATION_YEN = 2_000


def ceil_div(numerator: int, denominator: int) -> int:
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    return -(-numerator // denominator)


def target_yen(eligible_cost_yen: int, subsidy_rate_percent: int) -> int:
    """Donations needed for the subsidy to cover half the eligible cost: ceil(cost × 0.5 / r)."""
    return ceil_div(eligible_cost_yen * 50, subsidy_rate_percent)


def cap_yen(eligible_cost_yen: int, subsidy_rate_percent: int) -> int:
    """Donations at which the subsidy covers the whole eligible cost: ceil(cost / r)."""
    return ceil_div(eligible_cost_yen * 100, subsidy_rate_percent)


def subsidy_yen(paid_total_yen: int, subsidy_rate_percent: int, eligible_cost_yen: int) -> int:
    """min(floor(paid total × r), eligible cost)."""
    return min(paid_total_yen * subsidy_rate_percent // 100, eligible_cost_yen)


def basis_points(amount_yen: int, bp: int) -> int:
    """A share of an amount in basis points, rounded up (costs are never understated)."""
    return ceil_div(amount_yen * bp, 10_000)


def to_jst(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every stored time is timezone-aware")
    return moment.astimezone(JST)


def tax_year(payment_completed_at: datetime) -> int:
    """The tax year of a donation is the JST calendar year in which its payment completed."""
    return to_jst(payment_completed_at).year


def utcnow() -> datetime:
    return datetime.now(UTC)


# Dates as Japanese documents, mails and pages write them (the one place for the three forms).
def jdate(value: date | datetime | str | None) -> str:
    """2026年12月31日: a datetime is its JST date; an ISO string (as frozen in a receipt's
    content) is read first; nothing is ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = to_jst(value)
    return f"{value.year}年{value.month}月{value.day}日"


def jdatetime(value: datetime | None) -> str:
    """2026年12月31日 23:59 (JST)."""
    if value is None:
        return ""
    local = to_jst(value)
    return f"{jdate(local)} {local:%H:%M}"


def jmonth(value: date | None) -> str:
    """2027年3月."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月"
