"""A fiscal year's actual costs as recorded by staff (read by the reports and the cost page)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.domain.cost_survey import CostCategory
from furusato.models import FiscalYearCost


def recorded(session: Session, year: int) -> dict[CostCategory, FiscalYearCost]:
    """The rows recorded for `year`, by category (a category not yet recorded is absent)."""
    rows = session.scalars(select(FiscalYearCost).where(FiscalYearCost.fiscal_year == year))
    return {CostCategory(row.category): row for row in rows}


def amounts(session: Session, year: int) -> dict[CostCategory, int]:
    return {category: row.amount_yen for category, row in recorded(session, year).items()}
