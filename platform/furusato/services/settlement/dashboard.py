"""The staff dashboard: the fiscal year at a glance, read in one call.

Donations per day of the fiscal year (April–March, JST) with December, the year-end rush,
marked; the year's money from the ledger (the same figures as the reports page); and how many
campaigns stand in each phase. The pictures' geometry comes from domain.charts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from furusato.domain import charts
from furusato.domain.campaign import Phase, clock_of
from furusato.domain.cost_survey import CostRatio
from furusato.domain.money import to_jst, utcnow
from furusato.domain.settlement import fiscal_year, fiscal_year_bounds
from furusato.models import Donation, Project
from furusato.services import mail_outbox
from furusato.services.campaigns import local_review, update_pages
from furusato.services.errors import N_
from furusato.services.settlement import cost_survey, reports
from furusato.services.uow import UnitOfWork

RUSH_MONTH = 12  # December: about a third of a year's donations

# The phases in the order a campaign passes through them.
PHASE_ORDER = (
    Phase.DRAFT,
    Phase.IN_REVIEW,
    Phase.SCHEDULED,
    Phase.LIVE,
    Phase.PAUSED,
    Phase.ENDED,
    Phase.SETTLING,
    Phase.SETTLED,
)


@dataclass(frozen=True)
class StaffDashboard:
    fiscal_year: int
    first_day: date
    last_day: date
    daily: charts.DailyBars
    daily_narrow: charts.DailyBars  # the same, drawn for a phone
    donations_count: int
    money: reports.Figures
    cost_ratio: CostRatio  # the 50 % rule's figure, as the reports page judges it
    money_bars: list[tuple[str, charts.Share]]  # label (a message) and its bar
    phases: list[tuple[str, charts.Share]]  # phase code and its bar (count)
    failed_mail: int
    missing_final_reports: int  # funded campaigns without a published final report
    local_products_to_confirm: int  # tiers whose 地場産品 item staff must confirm


def _daily_totals(start: datetime, end: datetime) -> tuple[dict[date, int], int]:
    """Yen received per JST day in [start, end) (refunded ones too: they were received that
    day; the money figures show the refunds), and how many donations."""
    totals: Counter[date] = Counter()
    count = 0
    with UnitOfWork() as uow:
        rows = uow.session.execute(
            select(Donation.paid_at, Donation.amount_yen).where(
                Donation.paid_at.is_not(None), Donation.paid_at >= start, Donation.paid_at < end
            )
        )
        for paid_at, amount in rows:
            if paid_at is None:  # excluded by the query; says so to the type checker
                continue
            totals[to_jst(paid_at).date()] += amount
            count += 1
    return dict(totals), count


def _phases(now: datetime) -> list[tuple[str, charts.Share]]:
    with UnitOfWork() as uow:
        projects = uow.session.scalars(select(Project)).all()
        counted = Counter(clock_of(p).phase(now) for p in projects)
    rows = [(phase.value, counted.get(phase, 0)) for phase in PHASE_ORDER]
    return list(zip([code for code, _ in rows], charts.shares(rows), strict=True))


def staff_dashboard(now: datetime | None = None) -> StaffDashboard:
    """The dashboard of the fiscal year that `now` (default: the clock) falls in."""
    now = now or utcnow()
    year = fiscal_year(now)
    start, end = fiscal_year_bounds(year)
    first, last = start.date(), end.date() - timedelta(days=1)
    totals, count = _daily_totals(start, end)
    money = reports.fiscal_year(year).total
    money_rows = [
        (N_("寄附額"), money.donations_yen),
        (N_("補助金"), money.subsidy_yen),
        (N_("返礼品調達費"), money.gift_costs_yen),
        (N_("送料"), money.shipping_yen),
        (N_("決済手数料"), money.fees_yen),
        (N_("返金"), money.refunds_yen),
    ]
    return StaffDashboard(
        fiscal_year=year,
        first_day=first,
        last_day=last,
        daily=charts.daily_bars(totals, first, last, highlight_month=RUSH_MONTH),
        daily_narrow=charts.daily_bars(
            totals, first, last, highlight_month=RUSH_MONTH, frame=charts.NARROW
        ),
        donations_count=count,
        money=money,
        cost_ratio=cost_survey.page(year).ratio,
        money_bars=list(
            zip([label for label, _ in money_rows], charts.shares(money_rows), strict=True)
        ),
        phases=_phases(now),
        failed_mail=mail_outbox.failed_count(),
        missing_final_reports=update_pages.missing_final_count(),
        local_products_to_confirm=local_review.flagged_count(),
    )
