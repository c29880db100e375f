"""The embedded worker under `furusato dev`: one Celery worker with embedded beat, watched.

The worker runs its tasks in its own main process (`--pool solo`). Celery's prefork pool, on
kombu's SQLAlchemy transport (which has no asynchronous mode), hands tasks to its children
through one shared queue and lock: a child killed while it held that lock (SIGKILL, the
out-of-memory killer) left the lock taken forever, so its replacement ran no task again and
the worker's warm shutdown waited on the same lock (SIGTERM no longer stopped it). With no
child there is no such lock to lose: a worker that is killed is gone, and the runner sees it.

The runner restarts the worker, saying so in one line, when it exits, or when it has not
looked for a task for `timeout` seconds (it touches a heartbeat file whenever it polls the
broker: worker/embedded_broker.py), which catches a stopped or stuck worker. Before each
start it kills what is left of the old worker's process group (embedded beat) and puts the
tasks that worker had taken and not finished back in the queue, so they run again. A worker
that needs more than RESTART_LIMIT restarts within RESTART_WINDOW seconds is given up on,
and the runner stops everything, as it does when another child dies.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from typing import TYPE_CHECKING

from furusato.config import INSTANCE_DIR, Settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from furusato.devserver import Child, Supervisor

    Say = Callable[[str, str], None]

DEFAULT_TIMEOUT = 300.0
RESTART_LIMIT = 5
RESTART_WINDOW = 600.0


def worker_argv() -> list[str]:
    return [
        sys.executable, "-m", "celery", "-A", "worker", "worker", "-B", "--pool", "solo",
        "--loglevel", "info", "--schedule", str(INSTANCE_DIR / "celerybeat-schedule"),
    ]  # fmt: skip


class WorkerWatch:
    """Starts the embedded worker, and restarts it when it dies or stops taking tasks."""

    def __init__(self, sup: Supervisor, settings: Settings, timeout: float, say: Say) -> None:
        from worker import embedded_broker

        self.sup = sup
        self.say = say
        self.broker_url = settings.celery_broker_url
        self.timeout = timeout
        self.heartbeat = embedded_broker.heartbeat_path(self.broker_url)
        self.child: Child | None = None
        self.started_at = 0.0
        self.restarts: deque[float] = deque()

    def start(self) -> Child:
        from worker import embedded_broker

        back = embedded_broker.requeue_unacknowledged(self.broker_url)
        if back:
            self.say("furusato", f"{back} task(s) the last worker had not finished: queued again")
        self.started_at = time.time()
        self.child = self.sup.start("worker", worker_argv(), replacing=self.child)
        return self.child

    def _silent_for(self) -> float:
        """Seconds since the worker last looked for a task (or since it started)."""
        last = self.started_at
        if self.heartbeat is not None:
            try:
                last = max(last, self.heartbeat.stat().st_mtime)
            except FileNotFoundError:
                pass
        return time.time() - last

    def check(self) -> str | None:
        """Restart the worker if it needs it; a reason to stop everything if it keeps failing."""
        child = self.child
        if child is None:
            return None
        if not child.alive():
            why = f"exited (code {child.process.returncode})"
        elif self.heartbeat is not None and self._silent_for() > self.timeout:
            why = f"did not look for a task for {self.timeout:.0f} s"
        else:
            return None
        now = time.monotonic()
        while self.restarts and now - self.restarts[0] > RESTART_WINDOW:
            self.restarts.popleft()
        if len(self.restarts) >= RESTART_LIMIT:
            return f"worker {why}, after {RESTART_LIMIT} restarts in {RESTART_WINDOW:.0f} s"
        self.restarts.append(now)
        self.say("furusato", f"worker {why}: restarting it")
        self.start()
        return None
