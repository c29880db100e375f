"""Accounts: sign-up, login, logout, roles, rate limits, redirects."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.models import User
from tests.conftest import login
from tests.factories import PASSWORD, make_user


def test_signup_as_business_creates_user_and_business(client: FlaskClient, db: Session) -> None:
    """A business signs up with its name and lands on its dashboard."""
    response = client.post(
        "/signup",
        data={
            "role": "business",
            "display_name": "佐野 一郎",
            "business_name": "佐野タオル株式会社",
            "email": "Ichiro@Example.JP",
            "password": "a-long-password-1",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/business/"
    user = db.scalar(select(User).where(User.email == "ichiro@example.jp"))
    assert user is not None and user.business is not None
    assert user.business.name == "佐野タオル株式会社"
    assert user.password_hash.startswith("$argon2")


def test_login_with_wrong_password_is_refused(client: FlaskClient, db: Session) -> None:
    """A wrong password shows an error and logs nobody in."""
    user = make_user(db, "donor")
    response = client.post("/login", data={"email": user.email, "password": "wrong-password"})
    assert response.status_code == 200
    assert "正しくありません" in response.get_data(as_text=True)
    assert client.get("/me").status_code == 302


def test_login_follows_only_local_next(client: FlaskClient, db: Session) -> None:
    """`next` pointing off-site is ignored (no open redirect)."""
    user = make_user(db, "donor")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        with client:
            response = client.post(
                f"/login?next={evil}", data={"email": user.email, "password": PASSWORD}
            )
            assert response.headers["Location"] == "/me"
            client.post("/logout")
    response = client.post("/login?next=/me", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/me"


def test_login_is_rate_limited(client: FlaskClient, db: Session) -> None:
    """Brute force meets 429 after ten attempts a minute."""
    statuses = [
        client.post("/login", data={"email": "x@example.jp", "password": "nope"}).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]


def test_roles_guard_their_areas(client: FlaskClient, db: Session) -> None:
    """A donor gets 403 on staff and business pages; anonymous users are sent to log in."""
    assert client.get("/staff/").status_code == 302
    login(client, make_user(db, "donor"))
    assert client.get("/staff/").status_code == 403
    assert client.get("/business/").status_code == 403
    assert client.get("/me").status_code == 200


def test_bumping_session_version_ends_old_sessions(client: FlaskClient, db: Session) -> None:
    """A session for an older session_version no longer authenticates."""
    user = make_user(db, "staff")
    login(client, user)
    assert client.get("/staff/").status_code == 200
    user.session_version += 1
    db.flush()
    assert client.get("/staff/").status_code == 302
