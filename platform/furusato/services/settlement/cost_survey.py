"""Staff record a fiscal year's actual costs in the 現況調査 categories; the 50 % rule is then
judged on them, and the year's 現況調査 table is exported as CSV.

Amounts are whole yen typed by staff (commas, full-width digits and a trailing 円 allowed). A
blank line leaves a category not yet recorded as it is; a recorded one cannot be blanked (0 says
there was no cost). One bad line refuses the whole form, so
nothing is half saved; every change is audited with the amount before and after.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from furusato.documents import csv_file
from furusato.domain.cost_survey import (
    HINTS,
    LABELS,
    MAX_AMOUNT_YEN,
    CostCategory,
    CostRatio,
    judged_ratio,
)
from furusato.domain.money import utcnow
from furusato.domain.settlement import fiscal_year
from furusato.models import FiscalYearCost, User
from furusato.services import audit
from furusato.services.errors import N_, ValidationFailed, refuse_control_characters
from furusato.services.settlement import reports, year_costs
from furusato.services.uow import UnitOfWork

FIRST_YEAR = 2008  # the year furusato nozei began


@dataclass(frozen=True)
class CostLine:
    category: CostCategory
    label: str
    hint: str
    amount_yen: int | None  # None: not recorded yet
    note: str
    recorded_by: str
    recorded_at: datetime | None


@dataclass(frozen=True)
class CostsPage:
    fiscal_year: int
    lines: list[CostLine]
    donations_yen: int  # the year's donations received, net of refunds (the ledger)
    estimate_yen: int  # the planning figure: per-tier gift and shipping, fees, flat admin rate
    ratio: CostRatio  # what the 50 % rule is judged on

    @property
    def estimate(self) -> CostRatio:
        return CostRatio(self.estimate_yen, self.donations_yen, actual=False)


def _check_year(year: int) -> None:
    # Next year too: contracts for it (advertising, printing) are signed before April.
    if not FIRST_YEAR <= year <= fiscal_year(utcnow()) + 1:
        raise ValidationFailed(
            N_("%(first)s年度から来年度までの費用を記録できます。", first=FIRST_YEAR),
            fields={"fiscal_year": "out_of_range"},
        )


def page(year: int) -> CostsPage:
    _check_year(year)
    totals = reports.fiscal_year(year).total
    with UnitOfWork() as uow:
        rows = year_costs.recorded(uow.session, year)
        lines = []
        for category in CostCategory:
            row = rows.get(category)
            lines.append(
                CostLine(
                    category=category,
                    label=LABELS[category],
                    hint=HINTS[category],
                    amount_yen=row.amount_yen if row else None,
                    note=row.note if row else "",
                    recorded_by=row_email(uow.session, row),
                    recorded_at=row.recorded_at if row else None,
                )
            )
        actual = {c: r.amount_yen for c, r in rows.items()}
    estimate = totals.solicitation_cost_yen
    return CostsPage(
        fiscal_year=year,
        lines=lines,
        donations_yen=totals.net_donations_yen,
        estimate_yen=estimate,
        ratio=judged_ratio(actual, estimate, totals.net_donations_yen),
    )


def row_email(session: Session, row: FiscalYearCost | None) -> str:
    if row is None:
        return ""
    user = session.get(User, row.recorded_by_id)
    return user.email if user else ""


def parse_amount(raw: str) -> int | None:
    """Whole yen from what staff typed ("1,234,567", "１２３４", "1234円"); None when blank.
    Raises ValueError for anything else: decimals, signs, letters, or a trillion yen and over."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace(",", "").removesuffix("円")
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise ValueError(raw)
    value = int(text)
    if value >= MAX_AMOUNT_YEN:
        raise ValueError(raw)
    return value


def record(
    actor: User,
    year: int,
    amounts: Mapping[str, str],
    notes: Mapping[str, str],
    *,
    ip_address: str = "",
) -> int:
    """Staff: set the year's actual cost of each category typed in; returns how many changed."""
    _check_year(year)
    parsed: dict[CostCategory, int | None] = {}
    errors: dict[str, str] = {}
    for category in CostCategory:
        if category.value not in amounts:
            continue  # not on the form: left as it is
        try:
            parsed[category] = parse_amount(amounts[category.value])
        except ValueError:
            errors[category.value] = N_("0以上の整数（円）で入力してください。")
    refuse_control_characters(
        {f"note_{c.value}": notes.get(c.value, "") for c in CostCategory},
        multi_line=tuple(f"note_{c.value}" for c in CostCategory),
    )
    now = utcnow()
    with UnitOfWork() as uow:
        s = uow.session
        rows = year_costs.recorded(s, year)
        for category, value in parsed.items():
            if value is None and category in rows:
                errors[category.value] = N_(
                    "記録済みの費用は空欄にできません（費用がない場合は 0 を入力してください）。"
                )
        if errors:
            raise ValidationFailed(
                N_("入力に誤りがあります。どの費用も保存していません。"), fields=errors
            )
        changed = 0
        for category, value in parsed.items():
            note = (notes.get(category.value) or "").strip()
            row = rows.get(category)
            if value is None or (row and (row.amount_yen, row.note) == (value, note)):
                continue
            before = {"amount_yen": row.amount_yen, "note": row.note} if row else None
            if row is None:
                row = FiscalYearCost(fiscal_year=year, category=category.value)
                s.add(row)
            row.amount_yen, row.note = value, note
            row.recorded_by_id, row.recorded_at = actor.id, now
            s.flush()
            audit.record(
                s,
                actor,
                "costs.record",
                "fiscal_year_cost",
                f"{year}:{category.value}",
                before=before,
                after={
                    "fiscal_year": year,
                    "category": category.value,
                    "amount_yen": value,
                    "note": note,
                },
                ip_address=ip_address,
            )
            changed += 1
        uow.commit()
        return changed


SURVEY_HEADER = ["年度", "区分", "金額（円）", "寄附受入額に対する割合(%)", "備考"]


def survey_csv(year: int) -> bytes:
    """The year's 現況調査 cost table: one line per category, the total, the donations received,
    and the ratio the 50 % rule is judged on (actual costs; the estimate only when none are
    recorded, and then the file says so)."""
    p = page(year)

    def share(amount: int) -> Decimal | str:
        if p.donations_yen <= 0:
            return ""
        return Decimal(amount * 10_000 // p.donations_yen).scaleb(-2)

    rows: list[list[csv_file.Cell]] = [
        [
            year,
            line.label,
            "" if line.amount_yen is None else line.amount_yen,
            "" if line.amount_yen is None else share(line.amount_yen),
            line.note,
        ]
        for line in p.lines
    ]
    basis = "実績" if p.ratio.actual else "見込み（実績未入力）"
    rows.append(
        [
            year,
            f"募集に要した費用の合計（{basis}）",
            p.ratio.costs_yen,
            share(p.ratio.costs_yen),
            "5割以下"
            if p.ratio.within_limit
            else "5割超過"
            if p.ratio.within_limit is False
            else "",
        ]
    )
    rows.append([year, "寄附受入額（返金を除く）", p.donations_yen, "", ""])
    rows.append(
        [
            year,
            "参考: 返礼品ごとの見込みによる費用",
            p.estimate_yen,
            share(p.estimate_yen),
            "計画値",
        ]
    )
    return csv_file.write(SURVEY_HEADER, rows)
