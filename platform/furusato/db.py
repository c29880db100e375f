"""Engines and sessions, built lazily from the settings (never at import time)."""

from __future__ import annotations

import select
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from furusato.config import get_settings


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.close()


def _refuse_a_dropped_connection(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """The pool's check of a connection it hands out, without a round trip to the server.

    An idle connection in the pool has nothing to read: every answer was read in full before it
    was checked in. A server that restarts, or ends the session (`pg_terminate_backend`, an idle
    timeout, PgBouncer), sends its last message and closes the socket, which makes the socket
    readable. So a connection that is closed, broken or readable is pinged as `pool_pre_ping`
    would (`SELECT 1`), and one that fails the ping is discarded: the pool then opens a new one
    (raising `DisconnectionError` here is SQLAlchemy's documented way to ask for that). A
    healthy connection costs a `select()` call instead of a round trip and two autocommit
    switches on every checkout."""
    try:
        suspicious = bool(
            dbapi_conn.closed
            or dbapi_conn.broken
            or select.select([dbapi_conn.fileno()], [], [], 0)[0]
        )
    except (OSError, ValueError) as exc:
        raise DisconnectionError(str(exc)) from exc
    if not suspicious:
        return
    try:
        with dbapi_conn.cursor() as cursor:
            autocommit = dbapi_conn.autocommit
            dbapi_conn.autocommit = True
            try:
                cursor.execute("SELECT 1")
            finally:
                if not dbapi_conn.closed:
                    dbapi_conn.autocommit = autocommit
    except Exception as exc:
        raise DisconnectionError(str(exc)) from exc


@lru_cache(maxsize=4)
def engine_for(url: str, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_recycle=1800)
    event.listen(engine, "checkout", _refuse_a_dropped_connection)
    return engine


def get_engine() -> Engine:
    s = get_settings()
    return engine_for(s.database_url, s.db_pool_size, s.db_max_overflow)


_factory: sessionmaker[Session] | None = None


def session_factory() -> sessionmaker[Session]:
    global _factory
    if _factory is None:
        _factory = sessionmaker(bind=get_engine(), expire_on_commit=False)
    return _factory


def use_session_factory(factory: sessionmaker[Session] | None) -> None:
    """Point every unit of work at another session factory (tests bind one connection)."""
    global _factory
    _factory = factory


def insert_or_skip(session: Session, target: Any, unique: list[str]) -> Any:
    """INSERT … ON CONFLICT (unique) DO NOTHING in the session's dialect (PostgreSQL or SQLite):
    add `.returning()`, and pass the rows to `session.execute` as parameters (a statement
    without `.values()` is compiled once and cached); a row whose unique columns exist already
    is skipped."""
    return _insert_or_skip(session.get_bind().dialect.name, target, tuple(unique))


@lru_cache(maxsize=64)
def _insert_or_skip(dialect: str, target: Any, unique: tuple[str, ...]) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(target).on_conflict_do_nothing(index_elements=list(unique))
