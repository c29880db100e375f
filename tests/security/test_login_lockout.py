"""One lockout per account for both doors: wrong passwords through POST /api/v1/tokens lock the
web login and the other way round, held in the database (so every process sees it), with the
same refusal, and the right password is refused while the lock lasts."""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from furusato.domain.money import utcnow
from furusato.models import LoginFailure, User
from furusato.services import login_lockout
from tests.factories import PASSWORD, make_user

LOCKED = "ログインに続けて失敗したため"  # the refusal's opening words, on the page and in the API
LOCKED_EN = "Too many failed logins"
TRIES = 10  # wrong passwords that close an account's login (domain/login_lockout.py)
_addresses = (f"10.77.{n // 200}.{n % 200 + 1}" for n in itertools.count())


def _from_new_address() -> dict[str, dict[str, str]]:
    """A different client address for each request: only the per-account count can add up."""
    return {"environ_base": {"REMOTE_ADDR": next(_addresses)}}


def _web(client: FlaskClient, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"email": email, "password": password}, **_from_new_address())


def _api(client: FlaskClient, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/tokens", json={"email": email, "password": password}, **_from_new_address()
    )


def _logged_in(client: FlaskClient) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def test_wrong_passwords_through_the_api_lock_the_web_login(
    client: FlaskClient, db: Session
) -> None:
    """Ten wrong passwords on POST /api/v1/tokens (each from another address), then the web
    login refuses the right password with 429 and the lockout message, and so does the API."""
    user = make_user(db, "donor")
    assert [_api(client, user.email, "wrong-password!").status_code for _ in range(TRIES)] == [
        401
    ] * TRIES
    web = _web(client, user.email, PASSWORD)
    assert web.status_code == 429 and LOCKED in web.get_data(as_text=True)
    assert not _logged_in(client)
    api = _api(client, user.email, PASSWORD)
    assert api.status_code == 429 and api.mimetype == "application/problem+json"
    assert api.get_json()["code"] == "account_locked" and LOCKED in api.get_json()["detail"]


def test_wrong_passwords_on_the_web_lock_the_api(client: FlaskClient, db: Session) -> None:
    """Ten wrong passwords on the login page lock POST /api/v1/tokens, the right password too;
    the page says it in the visitor's language."""
    user = make_user(db, "staff")
    statuses = [_web(client, user.email, "wrong-password!").status_code for _ in range(TRIES)]
    assert statuses == [200] * TRIES
    api = _api(client, user.email, PASSWORD)
    assert api.status_code == 429 and api.get_json()["code"] == "account_locked"
    client.set_cookie("lang", "en")
    web = _web(client, user.email, PASSWORD)
    assert web.status_code == 429 and LOCKED_EN in web.get_data(as_text=True)
    assert not _logged_in(client)


def test_the_lock_ends_and_a_right_password_clears_the_count(
    client: FlaskClient, db: Session
) -> None:
    """Nine wrong passwords lock nothing; when a lock has run out the right password works and
    the account starts again from no failures."""
    user = make_user(db, "donor")
    for _ in range(TRIES - 1):
        _web(client, user.email, "wrong-password!")
    assert _api(client, user.email, PASSWORD).status_code == 201
    assert db.scalar(select(func.count()).select_from(LoginFailure)) == 0
    for _ in range(TRIES):
        _api(client, user.email, "wrong-password!")
    assert _web(client, user.email, PASSWORD).status_code == 429
    db.execute(update(LoginFailure).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert _web(client, user.email, PASSWORD).status_code == 302 and _logged_in(client)


def test_an_address_without_an_account_is_locked_the_same_way(
    client: FlaskClient, db: Session
) -> None:
    """Guessing at an unregistered address meets the same lock and message: the answers do not
    tell which addresses have accounts."""
    email = "nobody-here@example.jp"
    assert db.scalar(select(User).where(User.email == email)) is None
    assert [_api(client, email, f"guess-{i:04d}").status_code for i in range(TRIES)] == [
        401
    ] * TRIES
    api = _api(client, email, "another-guess")
    assert api.status_code == 429 and api.get_json()["code"] == "account_locked"
    assert _web(client, email, "another-guess").status_code == 429
    (row,) = db.scalars(select(LoginFailure))
    assert email not in row.account_key  # the address itself is not stored


@pytest.mark.usefixtures("committed")
def test_another_process_sees_the_lock(client: FlaskClient, committed: Engine) -> None:
    """The count is in the database: a separate Python process, like another gunicorn worker,
    is refused for an account locked here."""
    with Session(committed) as session:
        user = make_user(session, "donor")
        session.commit()
        email = user.email
    for _ in range(TRIES):
        _api(client, email, "wrong-password!")
    code = (
        "from furusato.services import accounts\n"
        "from furusato.services.login_lockout import AccountLocked\n"
        "try:\n"
        f"    accounts.authenticate({email!r}, {PASSWORD!r})\n"
        "except AccountLocked as exc:\n"
        "    print('locked', exc.status)\n"
        "else:\n"
        "    print('let in')\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() == "locked 429"


def test_counts_that_no_longer_lock_or_count_are_forgotten(db: Session) -> None:
    """The hourly sweep deletes counts whose window and lock have run out, and keeps the ones
    still counting or still locking (so unregistered addresses leave no lasting trace)."""
    now = utcnow()
    old = now - timedelta(hours=2)
    db.add_all(
        [
            LoginFailure(account_key="stale", failures=3, window_started_at=old),
            LoginFailure(
                account_key="lock-over", failures=10, window_started_at=old, locked_until=old
            ),
            LoginFailure(
                account_key="still-locked",
                failures=10,
                window_started_at=old,
                locked_until=now + timedelta(minutes=5),
            ),
            LoginFailure(account_key="counting", failures=2, window_started_at=now),
        ]
    )
    db.flush()
    assert login_lockout.forget_stale(now) == 2
    kept = set(db.scalars(select(LoginFailure.account_key)))
    assert kept == {"still-locked", "counting"}
