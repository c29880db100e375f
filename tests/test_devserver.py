"""`furusato dev` (what `make run` starts): everything comes up, serves, and one SIGINT stops it all."""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import requests

# Settings the test harness points at PostgreSQL/Redis: the dev runner must use its defaults.
_HARNESS_VARS = (
    "FURUSATO_ENV",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "STRIPE_API_BASE",
    "STRIPE_JS_URL",
    "SMTP_URL",
    "LOCALSTRIPE_PORT",
    "BASE_URL",
)


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_dev_runner_serves_the_demo_and_one_sigint_stops_every_process(tmp_path: Path) -> None:
    """Migrates SQLite, loads the demo through localstripe with its mails to the sink, serves /
    and /login, delivers mail, and leaves no process behind."""
    port, stripe_port, smtp_port = _free_port(), _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if k not in _HARNESS_VARS}
    env.update(
        FURUSATO_INSTANCE_DIR=str(tmp_path),
        LOCALSTRIPE_PORT=str(stripe_port),
        SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
    )
    log_path = tmp_path / "console.log"
    children: set[int] = set()
    with log_path.open("wb") as log:
        runner = subprocess.Popen(
            [sys.executable, "-m", "furusato.cli", "dev", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 120
            while f"furusato is running: {url}" not in log_path.read_text("utf-8", "replace"):
                assert runner.poll() is None, log_path.read_text("utf-8", "replace")
                assert time.monotonic() < deadline, "the dev runner did not print its URL"
                time.sleep(0.5)
            children = _descendants(runner.pid)
            assert len(children) >= 4  # localstripe, worker (+ pool, beat), gunicorn (+ worker)
            console = log_path.read_text("utf-8")
            assert "staff1@izumisano.example.jp" in console and "furusato-demo-2026" in console
            assert "donations paid through the gateway" in console
            for page in (url, f"{url}login"):
                response = requests.get(page, timeout=10)
                assert response.status_code == 200, log_path.read_text("utf-8")[-4000:]
            assert requests.get(f"http://127.0.0.1:{stripe_port}/js.stripe.com/v3/", timeout=10).ok
            # Mail goes through the real worker (SQLite broker) to the sink.
            sent = subprocess.run(
                [sys.executable, "-c", _QUEUE_MAIL],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert sent.returncode == 0, sent.stderr
            deadline = time.monotonic() + 60
            while not (mail := _mail_with_subject(tmp_path / "mail", b"Subject: test")):
                assert time.monotonic() < deadline, log_path.read_text("utf-8", "replace")
                time.sleep(0.5)
            assert b"To: donor@example.jp" in mail
            # The demo story's own mails reach the sink in the background meanwhile.
            while "the demo's" not in log_path.read_text("utf-8", "replace"):
                assert time.monotonic() < deadline + 60, log_path.read_text("utf-8", "replace")
                time.sleep(0.5)
            assert len(list((tmp_path / "mail").glob("*.eml"))) > 100
            runner.send_signal(signal.SIGINT)
            assert runner.wait(timeout=40) == 0
            time.sleep(0.5)
            assert [pid for pid in children if _running(pid)] == []
            assert "furusato   | stopped" in log_path.read_text("utf-8")
        finally:
            if runner.poll() is None:
                runner.kill()
                runner.wait()
            for pid in children:
                if _running(pid):
                    os.kill(pid, signal.SIGKILL)


def _mail_with_subject(folder: Path, subject: bytes) -> bytes | None:
    """A saved mail with this subject line (the demo's own mails are there too)."""
    for path in folder.glob("*.eml"):
        data = path.read_bytes()
        if subject + b"\n" in data.replace(b"\r\n", b"\n"):
            return data
    return None


_QUEUE_MAIL = """
import worker.celeryapp  # installs the Celery task sender
from furusato.services import mail
from furusato.services.uow import UnitOfWork
with UnitOfWork() as uow:
    mail.queue(uow, key="devserver-test", to="donor@example.jp", subject="test", body="test")
    uow.commit()
"""


class HoldingSink:
    """An SMTP server that, while `hold` is set, keeps each mail's DATA unanswered: the worker
    is then in the middle of a task, and `peers` tells which connection it is on."""

    def __init__(self) -> None:
        self.hold = threading.Event()
        self.peers: queue.Queue[tuple[str, int]] = queue.Queue()
        self.subjects: list[str] = []

    async def handle_DATA(self, server: object, session: Any, envelope: Any) -> str:
        if self.hold.is_set():
            self.peers.put(session.peer)
            while self.hold.is_set():
                await asyncio.sleep(0.1)
            return "451 4.3.0 try again later"
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.subjects.append(str(message["Subject"]))
        return "250 OK"

    def wait_for(self, subject: str, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while subject not in self.subjects:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True


def _task_runner(peer: tuple[str, int]) -> int:
    """The process at the client end of an SMTP connection: the one running the mail task."""
    host, port = peer
    local = f"{int.from_bytes(socket.inet_aton(host), 'little'):08X}:{port:04X}"
    inode = next(
        line.split()[9]
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
        if line.split()[1] == local
    )
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        if f"socket:[{inode}]" in links:
            return int(entry.name)
    raise AssertionError("no process holds the connection")


def _worker_pid(runner: int) -> int:
    """The embedded worker's leader: the runner's child running celery."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if ppid == runner and b"celery" in argv and _running(int(entry.name)):
            return int(entry.name)
    raise AssertionError("no worker process under the runner")


def _queue_mail(env: dict[str, str], subject: str) -> None:
    script = _QUEUE_MAIL.replace('"devserver-test"', repr(subject)).replace('"test"', repr(subject))
    sent = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert sent.returncode == 0, sent.stderr


def _wait_console(log_path: Path, seconds: float, found: Callable[[str], bool]) -> str:
    deadline = time.monotonic() + seconds
    while not found(console := log_path.read_text("utf-8", "replace")):
        assert time.monotonic() < deadline, console[-5000:]
        time.sleep(0.5)
    return console


def _mail_tasks_done(console: str) -> int:
    return sum(
        "furusato.send_email[" in line and "] succeeded in" in line for line in console.splitlines()
    )


def test_a_killed_or_stalled_worker_is_restarted_and_runs_the_tasks_sent_after(
    tmp_path: Path,
) -> None:
    """SIGKILL of the task process (idle or mid-task) or a stalled worker: tasks run; SIGTERM ends all."""
    from aiosmtpd.controller import Controller

    port, stripe_port, smtp_port = _free_port(), _free_port(), _free_port("127.0.0.2")
    sink = HoldingSink()
    # Not on 127.0.0.1, so the runner does not start its own sink there.
    smtp = Controller(sink, hostname="127.0.0.2", port=smtp_port)
    smtp.start()
    env = {k: v for k, v in os.environ.items() if k not in _HARNESS_VARS}
    env.update(
        FURUSATO_INSTANCE_DIR=str(tmp_path),
        LOCALSTRIPE_PORT=str(stripe_port),
        SMTP_URL=f"smtp://127.0.0.2:{smtp_port}",
    )
    log_path = tmp_path / "console.log"
    seen: set[int] = set()
    with log_path.open("wb") as log:
        runner = subprocess.Popen(
            [sys.executable, "-m", "furusato.cli", "dev", "--port", str(port),
             "--worker-timeout", "20"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            running = f"furusato is running: http://127.0.0.1:{port}/"
            _wait_console(log_path, 120, lambda console: running in console)
            seen |= _descendants(runner.pid)
            # 1. Find the process that runs tasks, let it finish, then kill it while it is idle.
            sink.hold.set()
            _queue_mail(env, "probe")
            runner_of_tasks = _task_runner(sink.peers.get(timeout=60))
            sink.hold.clear()
            _wait_console(log_path, 60, lambda console: _mail_tasks_done(console) == 1)
            os.kill(runner_of_tasks, signal.SIGKILL)
            _queue_mail(env, "after an idle kill")
            assert sink.wait_for("after an idle kill", 90), log_path.read_text()[-5000:]
            seen |= _descendants(runner.pid)
            # 2. Kill it in the middle of a task: that task runs again at once (the mail sweep
            # would take five minutes).
            sink.hold.set()
            _queue_mail(env, "in flight")
            os.kill(_task_runner(sink.peers.get(timeout=60)), signal.SIGKILL)
            console = _wait_console(log_path, 60, lambda console: "queued again" in console)
            assert "1 task(s) the last worker had not finished: queued again" in console
            sink.hold.clear()
            assert sink.wait_for("in flight", 90), log_path.read_text()[-5000:]
            seen |= _descendants(runner.pid)
            # 3. A worker that is alive but takes no task is replaced.
            os.kill(_worker_pid(runner.pid), signal.SIGSTOP)
            stalled = "did not look for a task for 20 s: restarting it"
            _wait_console(log_path, 90, lambda console: stalled in console)
            _queue_mail(env, "after a stall")
            assert sink.wait_for("after a stall", 90), log_path.read_text()[-5000:]
            seen |= _descendants(runner.pid)
            assert log_path.read_text().count("worker exited (code -9): restarting it") == 2
            runner.send_signal(signal.SIGTERM)
            assert runner.wait(timeout=40) == 0
            time.sleep(0.5)
            assert [pid for pid in seen if _running(pid)] == []
            assert "furusato   | stopped" in log_path.read_text("utf-8")
        finally:
            sink.hold.clear()
            if runner.poll() is None:
                runner.kill()
                runner.wait()
            for pid in seen | _descendants(runner.pid):
                if _running(pid):
                    os.kill(pid, signal.SIGKILL)
            smtp.stop()
