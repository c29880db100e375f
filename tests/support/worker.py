"""A real Celery worker for the tests, on the slot's Redis db and PostgreSQL database.

`celery_worker` (module scope) starts `.venv/bin/celery -A worker worker` as a subprocess with
the test environment (the same DATABASE_URL, CELERY_BROKER_URL and, when the test also uses
localstripe, STRIPE_API_BASE), waits until it answers a ping task, and kills its whole process
group at the end. `worker` (per test) installs `app.send_task` as furusato's task sender and
purges the queue first. Tests using it need `committed` (the worker sees only committed rows).

    def test_x(committed, worker: RunningWorker): ...
        worker.kill()      # SIGKILL the worker and its pool, as a crashed machine would
        worker.start()     # a fresh worker on the same queue
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine

from furusato.services import dispatch

if TYPE_CHECKING:  # the benchmark imports RunningWorker without the test fixtures
    from tests.conftest import TaskRecorder
    from tests.support.localstripe import LocalStripe

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"


class RunningWorker:
    def __init__(self) -> None:
        from worker import app

        self.app = app
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.mkdtemp(prefix="furusato-worker-")) / "worker.log"
        self.starts = 0

    def start(self, timeout: float = 60, ping_task: bool = True) -> None:
        """Start a worker and wait until it answers: a ping task through the queue (when it is
        empty), or a remote-control ping when a backlog sits in front of any task."""
        self.starts += 1
        log = open(self.log_path, "ab")  # the child keeps its own copy; ours is closed below
        log.write(f"\n--- worker start {self.starts} ---\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "worker",
                "worker",
                "--loglevel=warning",
                "--concurrency=2",
                "-Q",
                "celery",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"test{self.starts}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() reaches the pool too
        )
        log.close()
        if ping_task:
            self._wait_for_ping(timeout)
        else:
            self._wait_for_control_ping(timeout)

    def _wait_for_ping(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited early; see {self.log_path}\n{self.log()}")
            result = self.app.send_task("furusato.ping", ignore_result=False)
            try:
                if result.get(timeout=5) == "pong":
                    return
            except Exception:  # noqa: S112 - not up yet: ask again
                continue
            finally:
                result.forget()
        raise RuntimeError(f"celery worker did not answer a ping; see {self.log_path}")

    def _wait_for_control_ping(self, timeout: float) -> None:
        name = f"test{self.starts}-{os.getpid()}@"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited early; see {self.log_path}\n{self.log()}")
            replies = self.app.control.ping(timeout=1.0) or []
            if any(node.startswith(name) for reply in replies for node in reply):
                return
        raise RuntimeError(f"celery worker did not answer a control ping; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL the worker's process group (main process and pool): no clean shutdown."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def purge(self) -> None:
        with self.app.connection_for_write() as conn:
            conn.default_channel.queue_purge("celery")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_for(self, condition: Callable[[], bool], timeout: float, every: float = 0.25) -> None:
        """Poll `condition` until it holds; fail with the worker's log tail if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"the worker died:\n{self.log()}")
            time.sleep(every)
        raise AssertionError(f"condition not met in {timeout}s; worker log:\n{self.log()}")


@pytest.fixture(scope="module")
def celery_worker(database: Engine, localstripe: LocalStripe) -> Iterator[RunningWorker]:
    """One worker process for the test module (restartable by the tests), pointed at the
    session's localstripe through the environment it inherits."""
    running = RunningWorker()
    running.purge()
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def worker(
    celery_worker: RunningWorker, sent_tasks: TaskRecorder, committed: Engine
) -> Iterator[RunningWorker]:
    """The module's worker, running, with an empty queue, as the app's task sender."""
    if celery_worker.process is None or celery_worker.process.poll() is not None:
        celery_worker.start()
    celery_worker.purge()
    dispatch.install(celery_worker.app.send_task)
    yield celery_worker
    dispatch.install(sent_tasks)
    celery_worker.purge()
