"""The login lockout's count (domain/login_lockout.py), kept in the database: every web process,
the web login and the API's token exchange see the same count for an account.

`accounts.authenticate` is the one door both entry points go through: it calls
`refuse_if_locked` before checking the password, `record_failure` after a wrong one and `clear`
after a right one, in its own unit of work.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, or_, select
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.db import insert_or_skip
from furusato.domain import login_lockout
from furusato.domain.money import utcnow
from furusato.models import LoginFailure
from furusato.services.errors import ServiceError
from furusato.services.uow import UnitOfWork

_TABLE = cast(Table, LoginFailure.__table__)


class AccountLocked(ServiceError):
    """Too many wrong passwords for this account: its login is closed for a while."""

    status = 429
    code = "account_locked"


def account_key(address: str) -> str:
    """The count's key: an HMAC of the normalised address (no address is stored in clear)."""
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()


def refuse_if_locked(session: Session, key: str, now: datetime) -> LoginFailure | None:
    """Raise AccountLocked while the account's login is closed; else the account's count, if
    it has one (for `clear`)."""
    row = session.get(LoginFailure, key)
    if row is None:
        return None
    count = login_lockout.Count(row.failures, row.window_started_at, row.locked_until)
    if login_lockout.is_locked(count, now):
        raise AccountLocked(login_lockout.locked_message(count, now))
    return row


def record_failure(session: Session, key: str, now: datetime) -> login_lockout.Count:
    """Count one wrong password. The row is created if need be, then read locked and fresh,
    so failures made at the same time in other processes all count."""
    session.execute(
        insert_or_skip(session, _TABLE, ["account_key"]),
        {"account_key": key, "failures": 0, "window_started_at": now, "locked_until": None},
    )
    row = session.scalars(
        select(LoginFailure)
        .where(LoginFailure.account_key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    counted = login_lockout.after_failure(
        login_lockout.Count(row.failures, row.window_started_at, row.locked_until), now
    )
    row.failures = counted.failures
    row.window_started_at = counted.window_started_at
    row.locked_until = counted.locked_until
    return counted


def clear(session: Session, row: LoginFailure | None) -> None:
    """A right password: the account starts again from no failures."""
    if row is not None:
        session.delete(row)


def forget_stale(now: datetime | None = None) -> int:
    """Delete counts that no longer lock or count anything (their window and any lock have run
    out): the table keeps only what the lockout still needs, not who tried to log in when.
    One statement: a row is either stale or not, no item can fail alone."""
    now = now or utcnow()
    with UnitOfWork() as uow:
        result = uow.session.execute(
            delete(LoginFailure).where(
                LoginFailure.window_started_at < now - login_lockout.WINDOW,
                or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until <= now),
            )
        )
        uow.commit()
    return max(int(getattr(result, "rowcount", 0) or 0), 0)
