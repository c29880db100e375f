"""Create the test database once, migrate it with Alembic, and clean it between tests."""

from __future__ import annotations

import time

from psycopg.errors import DeadlockDetected, LockNotAvailable
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from furusato.models import Base
from tests.support.env import ADMIN_URL, DB_NAME


def recreate_database() -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": DB_NAME},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}"'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()


def truncate_all(engine: Engine, attempts: int = 10) -> None:
    """Empty every table. A worker may still be finishing a task of the test that just ended
    (its writes then deadlock with TRUNCATE's exclusive locks, and PostgreSQL aborts one side):
    try again shortly, the worker's transaction is short."""
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        except OperationalError as exc:
            retriable = isinstance(exc.orig, (DeadlockDetected, LockNotAvailable))
            if not retriable or attempt == attempts:
                raise
            time.sleep(0.2 * attempt)


def drop_database() -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": DB_NAME},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}"'))
    admin.dispose()
