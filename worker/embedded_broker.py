"""The embedded default's broker: kombu's SQLAlchemy transport, with acknowledgements that last.

kombu's transport hides a message when a worker takes it (`visible = 0`) and never looks at it
again: an acknowledgement changes nothing in the database, so the table keeps every message
ever sent, and a task taken by a worker that is then killed is neither acknowledged nor
redelivered (there is no visibility timeout to bring it back, as Redis has). Here a message's
row is deleted when the task is acknowledged or rejected, so a hidden row is exactly a task
taken by a worker that has not finished it. `furusato dev` runs the only worker; before it
(re)starts one, `requeue_unacknowledged` shows those rows again, and a task the killed worker
was running is delivered to the new one (`task_acks_late`: tasks are acknowledged after they
ran, and every task is idempotent).

The tables are kombu's own with other names, so a broker file written before this change
(full of hidden, long-acknowledged messages) is not read as unfinished work.

A consumer also touches `<broker file>.heartbeat` (at most once a second) whenever it looks
for a message: a file that stops changing means the worker takes no task any more (stopped,
deadlocked, or stuck in one task), which the runner's watch (furusato/dev_worker.py) acts on.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import sqlalchemy as kombu_sqla
from kombu.transport.virtual import Empty
from kombu.utils.encoding import bytes_to_str
from kombu.utils.json import loads
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

SCHEME = "furusato-sqla"
QUEUE_TABLE = "furusato_queue"
MESSAGE_TABLE = "furusato_message"
# The transport options the embedded broker is configured with (table names only: kombu
# passes any other option to create_engine, which refuses what it does not know).
TRANSPORT_OPTIONS = {"queue_tablename": QUEUE_TABLE, "message_tablename": MESSAGE_TABLE}
_ROW = "furusato_row"  # the row id, carried in the delivered message's properties


def _database_url(broker: str) -> str:
    """The SQLAlchemy URL in a broker URL (`sqla+sqlite:///…`), or the URL itself."""
    for prefix in ("sqla+", f"{SCHEME}+"):
        if broker.startswith(prefix):
            return broker.removeprefix(prefix)
    return broker


def heartbeat_path(configured: str) -> Path | None:
    """The file a consumer of this SQLite broker touches while it looks for work."""
    url = make_url(_database_url(configured))
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database).with_suffix(".heartbeat")


class Channel(kombu_sqla.Channel):
    _beat_at = 0.0
    _beat_path: Path | None = None

    def _heartbeat(self) -> None:
        now = time.monotonic()
        if now - self._beat_at < 1.0:
            return
        if not self._beat_at:
            self._beat_path = heartbeat_path(self.connection.client.hostname)
        self._beat_at = now
        if self._beat_path is not None:
            self._beat_path.touch()

    def _get(self, queue: str, timeout: float | None = None) -> dict[str, Any]:
        # kombu's _get, also handing the row's id to the acknowledgement.
        self._heartbeat()
        obj = self._get_or_create(queue)
        if self.session.bind.name == "sqlite":
            self.session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
        try:
            msg = (
                self.session.query(self.message_cls)
                .with_for_update()
                .filter(self.message_cls.queue_id == obj.id)
                .filter(self.message_cls.visible != False)  # noqa: E712 - a SQL expression
                .order_by(self.message_cls.sent_at)
                .order_by(self.message_cls.id)
                .limit(1)
                .first()
            )
            if msg is None:
                raise Empty()
            msg.visible = False
            payload: dict[str, Any] = loads(bytes_to_str(msg.payload))
            payload.setdefault("properties", {})[_ROW] = msg.id
            return payload
        finally:
            self.session.commit()

    def _forget(self, delivery_tag: str) -> None:
        try:
            row = self.qos.get(delivery_tag).properties.get(_ROW)
        except KeyError:
            return
        if row is not None:
            self.session.query(self.message_cls).filter(self.message_cls.id == row).delete()
            self.session.commit()

    def basic_ack(self, delivery_tag: str, multiple: bool = False) -> None:
        self._forget(delivery_tag)
        super().basic_ack(delivery_tag, multiple)

    def basic_reject(self, delivery_tag: str, requeue: bool = False) -> None:
        self._forget(delivery_tag)  # a requeued message is put back as a new row
        super().basic_reject(delivery_tag, requeue)


class Transport(kombu_sqla.Transport):
    Channel = Channel
    # kombu sleeps this long whenever it may take nothing (1 s by default): the embedded worker
    # then ran one task a second.
    polling_interval = 0.1


TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")


def broker_url(configured: str) -> str:
    """kombu's `sqla+…` URL, as a URL of this transport; any other broker as it is."""
    if configured.startswith("sqla+"):
        return f"{SCHEME}+{configured.removeprefix('sqla+')}"
    return configured


def requeue_unacknowledged(configured: str) -> int:
    """Show again every message taken and not acknowledged; call it only while no worker runs.
    Returns how many were put back."""
    if not configured.startswith("sqla+"):
        return 0
    engine = create_engine(_database_url(configured))
    try:
        if not inspect(engine).has_table(MESSAGE_TABLE):
            return 0
        with engine.begin() as conn:
            result = conn.execute(
                text(f"UPDATE {MESSAGE_TABLE} SET visible = :yes WHERE visible = :no"),  # noqa: S608 - a constant
                {"yes": True, "no": False},
            )
            return int(result.rowcount or 0)
    finally:
        engine.dispose()
