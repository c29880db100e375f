"""The unit of work: one session, rolled back unless the use case commits it.

Tasks asked for inside the unit (`uow.enqueue`) are sent only after the commit succeeds, so a
worker never sees an id whose row is not yet visible; if sending fails, the beat sweeps find the
work from the database state and send it again.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session

from furusato.db import session_factory
from furusato.services import dispatch


class UnitOfWork:
    session: Session

    def __init__(self) -> None:
        self._pending: list[tuple[str, tuple[Any, ...]]] = []
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.session = session_factory()()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                self.session.rollback()
        finally:
            self.session.close()
        if self._committed and exc_type is None:
            pending, self._pending = self._pending, []
            for name, args in pending:
                dispatch.send(name, *args)

    def enqueue(self, task_name: str, *args: Any) -> None:
        """Ask for a task to run once this unit of work has committed."""
        self._pending.append((task_name, args))

    def commit(self) -> None:
        self.session.commit()
        self._committed = True

    def flush(self) -> None:
        self.session.flush()
