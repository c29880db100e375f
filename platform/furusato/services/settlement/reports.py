"""Reports from the ledger: per campaign and per fiscal year (April–March, JST), the 50 % rule,
CSV for Excel, and the reconciliation of our ledger with what the gateway reports.

Figures are shown as positive amounts; the ledger stores them signed (see domain.settlement).
The per-campaign solicitation cost (payment fees + gift procurement + shipping + administration
estimated at settings.city.administration_bp of net donations) is the planning figure; the
year's 50 % rule is judged on the actual costs staff record (cost_survey.py) once any are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from furusato.config import get_settings
from furusato.documents import csv_file
from furusato.domain.cost_survey import CostRatio, judged_ratio
from furusato.domain.money import basis_points
from furusato.domain.settlement import ACCOUNTS, Account
from furusato.models import AuditLog, Donation, LedgerEntry, Project, User
from furusato.payments import get_gateway
from furusato.services import audit
from furusato.services.errors import N_, NotFound
from furusato.services.settlement import year_costs
from furusato.services.uow import UnitOfWork

RULE_LIMIT_BP = 5_000  # total solicitation cost ≤ 50 % of donations


@dataclass(frozen=True)
class Figures:
    label: str
    project_id: int | None
    donations_yen: int
    refunds_yen: int
    fees_yen: int
    gift_costs_yen: int
    shipping_yen: int
    subsidy_yen: int
    city_share_yen: int

    @property
    def net_donations_yen(self) -> int:
        return self.donations_yen - self.refunds_yen

    @property
    def administration_yen(self) -> int:
        net = max(self.net_donations_yen, 0)
        return basis_points(net, get_settings().city.administration_bp)

    @property
    def solicitation_cost_yen(self) -> int:
        return self.fees_yen + self.gift_costs_yen + self.shipping_yen + self.administration_yen

    @property
    def cost_ratio_bp(self) -> int | None:
        """Solicitation cost over net donations, in basis points (None without donations)."""
        if self.net_donations_yen <= 0:
            return None
        return self.solicitation_cost_yen * 10_000 // self.net_donations_yen

    @property
    def within_rule(self) -> bool | None:
        ratio = self.cost_ratio_bp
        return None if ratio is None else ratio <= RULE_LIMIT_BP


def _figures(label: str, project_id: int | None, signed: dict[str, int]) -> Figures:
    return Figures(
        label=label,
        project_id=project_id,
        donations_yen=signed.get(Account.DONATION_RECEIVED, 0),
        refunds_yen=-signed.get(Account.REFUND, 0),
        fees_yen=-signed.get(Account.PAYMENT_FEE, 0),
        gift_costs_yen=-signed.get(Account.GIFT_COST, 0),
        shipping_yen=-signed.get(Account.SHIPPING_COST, 0),
        subsidy_yen=-signed.get(Account.SUBSIDY_PAYABLE, 0),
        city_share_yen=-signed.get(Account.CITY_SHARE, 0),
    )


def campaign(project_id: int) -> Figures:
    with UnitOfWork() as uow:
        project = uow.session.get(Project, project_id)
        if project is None:
            raise NotFound("プロジェクトが見つかりません。")
        rows = uow.session.execute(
            select(LedgerEntry.account, func.sum(LedgerEntry.amount_yen))
            .where(LedgerEntry.project_id == project_id)
            .group_by(LedgerEntry.account)
        ).all()
        return _figures(project.title, project_id, {a: int(v) for a, v in rows})


@dataclass(frozen=True)
class YearReport:
    fiscal_year: int
    total: Figures
    campaigns: list[Figures] = field(default_factory=list)


def fiscal_year(year: int) -> YearReport:
    """Every booking of fiscal year `year` (April `year` to March `year + 1`), per campaign."""
    with UnitOfWork() as uow:
        rows = uow.session.execute(
            select(
                LedgerEntry.project_id,
                Project.title,
                LedgerEntry.account,
                func.sum(LedgerEntry.amount_yen),
            )
            .join(Project, Project.id == LedgerEntry.project_id)
            .where(LedgerEntry.fiscal_year == year)
            .group_by(LedgerEntry.project_id, Project.title, LedgerEntry.account)
            .order_by(LedgerEntry.project_id)
        ).all()
    per: dict[int, tuple[str, dict[str, int]]] = {}
    total: dict[str, int] = dict.fromkeys(ACCOUNTS, 0)
    for project_id, title, account, amount in rows:
        per.setdefault(project_id, (title, {}))[1][account] = int(amount)
        total[account] += int(amount)
    return YearReport(
        fiscal_year=year,
        total=_figures(N_("%(year)s年度 合計", year=year), None, total),
        campaigns=[_figures(t, pid, signed) for pid, (t, signed) in per.items()],
    )


def fiscal_years() -> list[int]:
    with UnitOfWork() as uow:
        return sorted(uow.session.scalars(select(LedgerEntry.fiscal_year).distinct()), reverse=True)


@dataclass(frozen=True)
class ReportsPage:
    """The staff reports page: a fiscal year's figures, the years to choose from (those with
    bookings and the one shown, newest first), and each campaign's last reconciliation."""

    report: YearReport
    years: list[int]
    reconciliations: dict[int, AuditLog]
    ratio: CostRatio  # the 50 % rule on the year's actual costs (the estimate before any)


def year_page(year: int) -> ReportsPage:
    years = sorted({*fiscal_years(), year}, reverse=True)
    report = fiscal_year(year)
    with UnitOfWork() as uow:
        actual = year_costs.amounts(uow.session, year)
    total = report.total
    ratio = judged_ratio(actual, total.solicitation_cost_yen, total.net_donations_yen)
    return ReportsPage(report, years, latest_reconciliations(), ratio)


CSV_HEADER = [
    "区分",
    "プロジェクトID",
    "寄附額",
    "返金額",
    "決済手数料",
    "返礼品調達費",
    "送料",
    "事務費（見込み）",
    "補助金",
    "市の取り分",
    "経費率(%)",
    "5割基準",
]


def to_csv(rows: Iterable[Figures]) -> bytes:
    """UTF-8 with BOM and CRLF, so Japanese Excel opens it with the right characters. Amounts
    (and the ratio, a Decimal) are numbers in the file, a negative one included."""
    return csv_file.write(
        CSV_HEADER,
        (
            [
                f.label,
                f.project_id or "",
                f.donations_yen,
                f.refunds_yen,
                f.fees_yen,
                f.gift_costs_yen,
                f.shipping_yen,
                f.administration_yen,
                f.subsidy_yen,
                f.city_share_yen,
                "" if f.cost_ratio_bp is None else Decimal(f.cost_ratio_bp).scaleb(-2),
                {True: "適合", False: "超過", None: ""}[f.within_rule],
            ]
            for f in rows
        ),
    )


@dataclass(frozen=True)
class Reconciliation:
    project_id: int
    ledger_net_yen: int  # donations received minus refunds, in our ledger
    gateway_net_yen: int  # succeeded minus refunded, as the gateway reports
    intents: int
    mismatched_donations: list[int]

    @property
    def matches(self) -> bool:
        return self.ledger_net_yen == self.gateway_net_yen and not self.mismatched_donations


def reconcile(project_id: int, actor_id: int | None = None) -> Reconciliation:
    """Compare the ledger with the gateway, donation by donation; record the result in the audit
    log (staff see it on the reports page). A difference is reported, never corrected here."""
    with UnitOfWork() as uow:
        s = uow.session
        if s.get(Project, project_id) is None:
            raise NotFound("プロジェクトが見つかりません。")
        intents = s.execute(
            select(Donation.id, Donation.payment_intent_id).where(
                Donation.project_id == project_id, Donation.payment_intent_id.is_not(None)
            )
        ).all()
        booked = dict(
            s.execute(
                select(LedgerEntry.donation_id, func.sum(LedgerEntry.amount_yen))
                .where(
                    LedgerEntry.project_id == project_id,
                    LedgerEntry.account.in_((Account.DONATION_RECEIVED, Account.REFUND)),
                    LedgerEntry.donation_id.is_not(None),
                )
                .group_by(LedgerEntry.donation_id)
            ).all()
        )
    gateway = get_gateway()
    gateway_net = 0
    mismatched = []
    for donation_id, intent_id in intents:
        info = gateway.payment_intent(str(intent_id))
        net = (info.amount_yen or 0) - info.amount_refunded_yen if info.status == "succeeded" else 0
        gateway_net += net
        if int(booked.get(donation_id, 0)) != net:
            mismatched.append(donation_id)
    result = Reconciliation(
        project_id=project_id,
        ledger_net_yen=sum(int(v) for v in booked.values()),
        gateway_net_yen=gateway_net,
        intents=len(intents),
        mismatched_donations=mismatched,
    )
    with UnitOfWork() as uow:
        actor = uow.session.get(User, actor_id) if actor_id else None
        after = asdict(result) | {"matches": result.matches}
        after["mismatched_donations"] = mismatched[:50]
        audit.record(
            uow.session, actor, "settlement.reconciled", "project", project_id, after=after
        )
        uow.commit()
    return result


def latest_reconciliations() -> dict[int, AuditLog]:
    """The last recorded reconciliation of each campaign."""
    with UnitOfWork() as uow:
        rows = uow.session.scalars(
            select(AuditLog)
            .where(AuditLog.action == "settlement.reconciled")
            .order_by(AuditLog.id.desc())
            .limit(500)
        ).all()
        out: dict[int, AuditLog] = {}
        for row in rows:
            out.setdefault(int(row.target_id), row)
        for row in out.values():
            uow.session.expunge(row)
        return out
