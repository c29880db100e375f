"""The pool hands out no connection the server has ended: a unit of work after a database
restart (here: the server ending the pooled session, as a restart does to every session) runs
on a new connection instead of failing, without a round trip on every checkout."""

from __future__ import annotations

import time

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from furusato.db import use_session_factory
from furusato.services.uow import UnitOfWork


def _backend_pid() -> int:
    with UnitOfWork() as uow:
        pid = uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        uow.commit()
    return int(pid)


def test_a_session_the_server_ended_is_replaced_at_checkout(database: Engine) -> None:
    use_session_factory(None)
    pid = _backend_pid()
    assert _backend_pid() == pid  # the pool hands the same connection out again
    killer = create_engine(database.url, poolclass=NullPool)
    try:
        with killer.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
            for _ in range(100):
                gone = not conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
                ).scalar()
                if gone:
                    break
                time.sleep(0.05)
            assert gone
    finally:
        killer.dispose()
    assert _backend_pid() != pid
