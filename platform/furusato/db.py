"""Engines and sessions, built lazily from the settings (never at import time)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from furusato.config import get_settings


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.close()


@lru_cache(maxsize=4)
def engine_for(url: str, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


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
