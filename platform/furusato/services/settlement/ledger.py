"""Booking ledger entries (and other rows keyed for exactly-once) with INSERT … ON CONFLICT."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.db import insert_or_skip
from furusato.domain.money import utcnow
from furusato.domain.settlement import ACCOUNTS, Account, donation_key, fiscal_year
from furusato.models import LedgerEntry


def insert_ignoring_duplicates(
    session: Session, model: type[Any], rows: Sequence[dict[str, Any]], unique: list[str]
) -> int:
    """Insert rows; a row whose unique columns already exist is skipped. Returns rows added."""
    if not rows:
        return 0
    # executemany on the table: one compiled statement, sent in batches ("insertmanyvalues").
    stmt = insert_or_skip(session, model.__table__, unique)
    result = session.execute(stmt, list(rows))
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


def entry(
    *,
    key: str,
    project_id: int,
    account: str,
    amount_yen: int,
    at: datetime,
    donation_id: int | None = None,
    memo: str = "",
) -> dict[str, Any]:
    if account not in ACCOUNTS:
        raise ValueError(f"unknown ledger account {account!r}")
    return {
        "key": key,
        "project_id": project_id,
        "donation_id": donation_id,
        "account": account,
        "amount_yen": amount_yen,
        "fiscal_year": fiscal_year(at),
        "memo": memo[:200],
        "created_at": utcnow(),
    }


def received(project_id: int, donation_id: int, amount: int, paid_at: datetime) -> dict[str, Any]:
    return entry(
        key=donation_key(donation_id, "received"),
        project_id=project_id,
        donation_id=donation_id,
        account=Account.DONATION_RECEIVED,
        amount_yen=amount,
        at=paid_at,
    )


def fee(project_id: int, donation_id: int, fee: int, paid_at: datetime) -> dict[str, Any]:
    return entry(
        key=donation_key(donation_id, "fee"),
        project_id=project_id,
        donation_id=donation_id,
        account=Account.PAYMENT_FEE,
        amount_yen=-fee,
        at=paid_at,
    )


def book(session: Session, entries: Sequence[dict[str, Any]]) -> int:
    """Book entries once each: a key booked before is left as it is."""
    return insert_ignoring_duplicates(session, LedgerEntry, entries, ["key"])


def totals(session: Session, project_id: int) -> dict[str, int]:
    """Signed sum per account for one campaign (missing accounts are 0)."""
    rows = session.execute(
        select(LedgerEntry.account, func.coalesce(func.sum(LedgerEntry.amount_yen), 0))
        .where(LedgerEntry.project_id == project_id)
        .group_by(LedgerEntry.account)
    ).all()
    out = dict.fromkeys(ACCOUNTS, 0)
    out.update({account: int(amount) for account, amount in rows})
    return out


def city_share_remainder(session: Session, project_id: int) -> int:
    """The amount that balances the campaign's ledger (booked negative as the city's share)."""
    t = totals(session, project_id)
    return -sum(v for k, v in t.items() if k != Account.CITY_SHARE)


def balance(session: Session, project_id: int) -> int:
    """The sum of every entry of a campaign: 0 once its city's share is booked."""
    return sum(totals(session, project_id).values())
