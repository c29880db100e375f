"""Fixtures: a migrated PostgreSQL database, transactional or committed sessions, the app."""

from __future__ import annotations

from tests.support.env import configure_environment

INSTANCE_DIR = configure_environment()  # before anything reads furusato's settings

from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from furusato.config import reset_settings  # noqa: E402

reset_settings()

from furusato import create_app  # noqa: E402
from furusato.db import get_engine, use_session_factory  # noqa: E402
from furusato.migrate import upgrade  # noqa: E402
from furusato.models import User  # noqa: E402
from furusato.services import dispatch  # noqa: E402
from tests.support.database import recreate_database, truncate_all  # noqa: E402
from tests.support.live_server import live_server, live_stripe  # noqa: E402,F401
from tests.support.localstripe import (  # noqa: E402,F401
    _localstripe_only_where_used,
    localstripe,
    stripe_clean,
)
from tests.support.mail import smtp_sink  # noqa: E402,F401
from tests.support.picky_smtp import picky_smtp  # noqa: E402,F401


@pytest.fixture(scope="session")
def database() -> Iterator[Engine]:
    """The test database, created fresh and migrated once per run with Alembic."""
    recreate_database()
    engine = get_engine()
    with engine.begin() as conn:
        upgrade(conn)
    yield engine
    engine.dispose()


@pytest.fixture
def db(database: Engine) -> Iterator[Session]:
    """A session inside one outer transaction that is rolled back after the test; every unit
    of work joins it through a SAVEPOINT, so services commit as usual."""
    conn = database.connect()
    outer = conn.begin()
    factory = sessionmaker(
        bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    use_session_factory(factory)
    session = factory()
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        conn.close()
        use_session_factory(None)


@pytest.fixture
def committed(database: Engine) -> Iterator[Engine]:
    """Real commits (for races, other processes and the worker); tables emptied afterwards."""
    use_session_factory(None)
    truncate_all(database)
    try:
        yield database
    finally:
        truncate_all(database)


class TaskRecorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[Any, ...]]] = []

    def __call__(self, name: str, args: list[Any] | None = None, **_: Any) -> None:
        self.sent.append((name, tuple(args or ())))

    def names(self) -> list[str]:
        return [name for name, _ in self.sent]


@pytest.fixture(autouse=True)
def sent_tasks() -> Iterator[TaskRecorder]:
    """Tasks the code under test sent after commit (recorded, not run)."""
    recorder = TaskRecorder()
    dispatch.install(recorder)
    yield recorder
    dispatch.install(None)


@pytest.fixture
def app(sent_tasks: TaskRecorder) -> Flask:
    """The web app with CSRF off (the attack suite uses `csrf_app`)."""
    return create_app({"TESTING": True, "TASK_SENDER": "none", "WTF_CSRF_ENABLED": False})


@pytest.fixture
def csrf_app(sent_tasks: TaskRecorder) -> Flask:
    return create_app({"TESTING": True, "TASK_SENDER": "none"})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def login(client: FlaskClient, user: User) -> FlaskClient:
    """Log a user in by session, as Flask-Login would after a successful login."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client
