"""Staff record a fiscal year's actual costs: the 50 % rule is judged on them, bad input saves
nothing, every change is audited, and the 現況調査 table comes out as CSV."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.domain.cost_survey import CostCategory
from furusato.models import AuditLog, FiscalYearCost, LedgerEntry
from furusato.services.errors import ValidationFailed
from furusato.services.settlement import cost_survey, reports
from tests.factories import make_project, make_user

YEAR = 2025


def _book(db: Session, donations: int, refunds: int = 0) -> None:
    project = make_project(db)
    for key, account, amount in (
        ("received", "donation_received", donations),
        ("refund", "refund", -refunds),
        ("gift", "gift_cost", -donations * 30 // 100),
    ):
        db.add(
            LedgerEntry(
                key=f"t:{project.id}:{key}",
                project_id=project.id,
                account=account,
                amount_yen=amount,
                fiscal_year=YEAR,
            )
        )
    db.flush()


def test_the_estimate_until_costs_are_recorded_then_the_actual(db: Session) -> None:
    """Before any cost: the estimate (30 % gifts + 5 % admin) judges; after: the actual sum,
    with the estimate kept as the planning figure."""
    _book(db, 1_000_000)
    staff = make_user(db, "staff")
    before = cost_survey.page(YEAR)
    assert not before.ratio.actual and before.ratio.costs_yen == 350_000
    changed = cost_survey.record(
        staff,
        YEAR,
        {"gift_procurement": "300,000", "shipping": "１５００００", "administration": "50000円"},
        {"administration": "受領証明書の郵送・ワンストップ特例の郵送を含む"},
    )
    assert changed == 3
    after = cost_survey.page(YEAR)
    assert after.ratio.actual and after.ratio.costs_yen == 500_000
    assert after.ratio.within_limit is True  # exactly half
    assert after.estimate.costs_yen == 350_000
    assert reports.year_page(YEAR).ratio.costs_yen == 500_000
    cost_survey.record(staff, YEAR, {"other": "1"}, {})
    assert cost_survey.page(YEAR).ratio.within_limit is False  # one yen over half


@pytest.mark.parametrize("bad", ["-1", "1.5", "abc", "1e6", "1000000000000"])
def test_a_bad_amount_saves_nothing_and_names_its_line(db: Session, bad: str) -> None:
    """One bad line refuses the whole form: the good lines are not saved either."""
    staff = make_user(db, "staff")
    with pytest.raises(ValidationFailed) as refused:
        cost_survey.record(staff, YEAR, {"shipping": "1000", "advertising": bad}, {})
    assert set(refused.value.fields) == {"advertising"}
    assert db.scalars(select(FiscalYearCost)).all() == []


def test_a_recorded_line_cannot_be_blanked_and_changes_are_audited(db: Session) -> None:
    """Blank after a record is refused (0 means none); a change keeps before/after in the log."""
    staff = make_user(db, "staff")
    cost_survey.record(staff, YEAR, {"payment": "12000"}, {})
    with pytest.raises(ValidationFailed) as refused:
        cost_survey.record(staff, YEAR, {"payment": ""}, {})
    assert "payment" in refused.value.fields
    assert cost_survey.record(staff, YEAR, {"payment": "12000"}, {}) == 0  # nothing changed
    cost_survey.record(staff, YEAR, {"payment": "13000"}, {"payment": "請求書 3月分"})
    entries = db.scalars(select(AuditLog).where(AuditLog.action == "costs.record")).all()
    assert [(e.before, (e.after or {})["amount_yen"]) for e in entries] == [
        (None, 12_000),
        ({"amount_yen": 12_000, "note": ""}, 13_000),
    ]
    assert entries[-1].actor_id == staff.id and entries[-1].target_id == f"{YEAR}:payment"


def test_years_outside_the_scheme_are_refused(db: Session) -> None:
    """Before 2008 (no furusato nozei) or two years ahead: refused with a clear message."""
    staff = make_user(db, "staff")
    for year in (2007, 2100):
        with pytest.raises(ValidationFailed):
            cost_survey.record(staff, year, {"other": "1"}, {})


def test_survey_csv_has_every_category_the_total_and_the_donations(db: Session) -> None:
    """The 現況調査 table: six categories in the notice's order, the total judged, the year's
    donations net of refunds, and the per-tier estimate as the planning figure."""
    _book(db, 2_000_000, refunds=100_000)
    staff = make_user(db, "staff")
    cost_survey.record(
        staff, YEAR, {"gift_procurement": "570000", "other": "0"}, {"other": "=1+1"}
    )
    rows = list(csv.reader(io.StringIO(cost_survey.survey_csv(YEAR).decode("utf-8-sig"))))
    assert rows[0] == cost_survey.SURVEY_HEADER
    labels = [r[1] for r in rows[1:7]]
    assert labels[0] == "返礼品等の調達に係る費用" and labels[4] == "事務に係る費用"
    assert len(labels) == len(CostCategory)
    assert rows[1][2:4] == ["570000", "30.00"]  # of ¥1,900,000 net
    assert rows[6][2:] == ["0", "0.00", "'=1+1"]  # a note never runs as a formula
    total = rows[7]
    assert total[1] == "募集に要した費用の合計（実績）" and total[2] == "570000"
    assert rows[8][1:3] == ["寄附受入額（返金を除く）", "1900000"]
    assert rows[9][1].startswith("参考") and rows[9][4] == "計画値"
