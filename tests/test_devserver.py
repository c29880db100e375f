"""`furusato dev` (what `make run` starts): everything comes up, serves, and one SIGINT stops it all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
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
    """Migrates and seeds SQLite, serves / and /login, delivers mail, and leaves no process behind."""
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
            while not list((tmp_path / "mail").glob("*.eml")):
                assert time.monotonic() < deadline, log_path.read_text("utf-8", "replace")
                time.sleep(0.5)
            mail = next((tmp_path / "mail").glob("*.eml")).read_bytes()
            assert b"To: donor@example.jp" in mail
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


_QUEUE_MAIL = """
import worker.celeryapp  # installs the Celery task sender
from furusato.services import mail
from furusato.services.uow import UnitOfWork
with UnitOfWork() as uow:
    mail.queue(uow, key="devserver-test", to="donor@example.jp", subject="test", body="test")
    uow.commit()
"""
