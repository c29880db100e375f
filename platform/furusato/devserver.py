"""`furusato dev` (what `make run` starts): the whole platform on the embedded default.

One process supervises the others, each in its own process group so that a Ctrl-C in the
terminal reaches only this supervisor, which then stops them in order and sweeps their groups
(no orphans: the Celery pool and embedded beat die with the worker):

- an SMTP sink on 127.0.0.1 (in this process) that prints each mail and saves it in instance/mail/;
- localstripe on 127.0.0.1 (its data kept in instance/localstripe.pickle, not the library's
  shared /tmp file: dev_localstripe.py);
- the SQLite database under instance/ is migrated, and the demo loaded when it has no users,
  through the services: its payments go through localstripe; then localstripe's webhook is
  pointed at this app, and the demo's mails go to the sink in the background (counted, not
  listed) while the worker and the web app start;
- a Celery worker with embedded beat on kombu's SQLAlchemy transport (no broker server),
  restarted when it dies or stops taking tasks (dev_worker.py);
- gunicorn serving the app on 127.0.0.1:<port>.

If any other child exits, the supervisor says which and stops the rest.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from types import FrameType
from typing import IO, Any
from uuid import uuid4

from sqlalchemy import func, select

from furusato import dev_localstripe
from furusato.config import INSTANCE_DIR, PROJECT_ROOT, Settings, get_settings, reset_settings
from furusato.dev_worker import DEFAULT_TIMEOUT, WorkerWatch

LOOPBACK = "127.0.0.1"
GRACE_SECONDS = 10.0
WEBHOOK_ID = "furusato-dev"
_print_lock = threading.Lock()


def say(source: str, message: str) -> None:
    with _print_lock:
        print(f"{source:<11}| {message}", flush=True)


@dataclass
class Child:
    """A supervised process, leader of its own process group, its output prefixed."""

    name: str
    process: subprocess.Popen[bytes]
    reader: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.reader = threading.Thread(target=self._pump, name=f"out-{self.name}", daemon=True)
        self.reader.start()

    def _pump(self) -> None:
        stream: IO[bytes] | None = self.process.stdout
        if stream is None:
            return
        for raw in iter(stream.readline, b""):
            say(self.name, raw.decode("utf-8", "replace").rstrip())

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass


class Supervisor:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.children: list[Child] = []
        self.stop_requested = threading.Event()
        self._stopping = False

    def start(self, name: str, argv: list[str], replacing: Child | None = None) -> Child:
        """Start a child; `replacing` one that is killed (its whole group) and takes its place."""
        if replacing is not None:
            replacing.signal_group(signal.SIGKILL)
            replacing.process.wait()
            replacing.reader.join(timeout=2)
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            argv,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a terminal Ctrl-C reaches only the supervisor
        )
        child = Child(name, process)
        if replacing in self.children:
            self.children[self.children.index(replacing)] = child
        else:
            self.children.append(child)
        return child

    def on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self.stop_requested.is_set():
            say("furusato", "second interrupt: killing everything now")
            for child in self.children:
                child.signal_group(signal.SIGKILL)
            return
        say("furusato", f"{signal.Signals(signum).name} received: stopping")
        self.stop_requested.set()

    def dead_child(self) -> Child | None:
        return next((c for c in self.children if not c.alive()), None)

    def stop_all(self) -> None:
        """SIGTERM each leader (web first), wait, then SIGKILL whatever is left of each group."""
        if self._stopping:
            return
        self._stopping = True
        for child in reversed(self.children):
            if child.alive():
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for child in reversed(self.children):
            try:
                child.process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                say("furusato", f"{child.name} did not stop in {GRACE_SECONDS:.0f} s: killed")
            child.signal_group(signal.SIGKILL)  # the pool, beat, gunicorn workers
            child.process.wait()
            child.reader.join(timeout=2)
            say("furusato", f"{child.name} stopped")


class MailSink:
    """aiosmtpd handler: a one-line summary on the console, the whole message in instance/mail/."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.quiet = False  # while the demo is loaded: its mails are counted, not listed
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content
        data = content if isinstance(content, bytes) else str(content).encode()
        name = f"{datetime.now():%Y%m%d-%H%M%S}-{uuid4().hex[:6]}.eml"
        (self.folder / name).write_bytes(data)
        message = BytesParser(policy=policy.default).parsebytes(data)
        files = [part.get_filename() or "?" for part in message.iter_attachments()]
        extra = f" [attached: {', '.join(files)}]" if files else ""
        rcpt = ", ".join(envelope.rcpt_tos)
        if not self.quiet:
            say("mail", f"to {rcpt}: {message['subject']}{extra} -> instance/mail/{name}")
        return "250 Message accepted for delivery"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        # As the servers do: connections of a previous run in TIME_WAIT do not count.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback URL
            return bool(response.status < 500)
    except (urllib.error.URLError, OSError):
        return False


def _wait_http(sup: Supervisor, child: Child, url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not sup.stop_requested.is_set():
        if not child.alive():
            return False
        if _http_ok(url):
            return True
        time.sleep(0.2)
    return False


def _register_webhook(stripe_base: str, app_url: str, secret: str) -> None:
    body = json.dumps({"url": f"{app_url}/webhooks/stripe", "secret": secret}).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        f"{stripe_base}/_config/webhooks/{WEBHOOK_ID}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback URL
        pass


def _prepare_database(settings: Settings) -> tuple[list[str], list[str]]:
    """Migrate, and load the demo into an empty database.

    Returns what seeding printed and the demo accounts (empty when the database holds other data).
    """
    from furusato.db import get_engine
    from furusato.demo import seed
    from furusato.migrate import upgrade
    from furusato.models import User
    from furusato.services.uow import UnitOfWork

    upgrade()
    say("furusato", f"database migrated: {settings.database_url}")
    with UnitOfWork() as uow:
        users = uow.session.scalar(select(func.count(User.id))) or 0
        has_demo = (
            uow.session.scalar(select(User.id).where(User.email == seed.ACCOUNTS[0].email))
            is not None
        )
    if users == 0:
        say("demo", "loading the demo through the services (a minute or less)")
    seeded = seed.seed(say=lambda line: say("demo", line)) if users == 0 else []
    get_engine().dispose()
    return seeded, seed.account_lines() if users == 0 or has_demo else []


def run(port: int = 5000, worker_timeout: float = DEFAULT_TIMEOUT) -> int:
    """Start everything, print the URL, supervise until Ctrl-C/SIGTERM or a child's death (the
    worker is restarted instead: see dev_worker.py)."""
    app_url = f"http://{LOOPBACK}:{port}"
    # The links in mails (the demo's too, sent from this process) name this server.
    os.environ.setdefault("BASE_URL", app_url)
    reset_settings()
    settings = get_settings()
    if settings.is_production:
        say("furusato", "`furusato dev` runs the embedded default only; see README (production)")
        return 2
    stripe_port = dev_localstripe.loopback_port(settings.stripe_api_base)
    smtp_port = dev_localstripe.loopback_port(settings.smtp_url)
    wanted = {"the web app": port, "localstripe": stripe_port, "the mail sink": smtp_port}
    busy = [f"{what} ({p})" for what, p in wanted.items() if p and not _port_free(p)]
    if busy:
        say("furusato", f"port in use for {', '.join(busy)}: is another `make run` running?")
        return 1

    env = dict(os.environ, PYTHONUNBUFFERED="1")
    sup = Supervisor(env)
    previous = {s: signal.signal(s, sup.on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    controller: Any = None
    try:
        if smtp_port:
            from aiosmtpd.controller import Controller

            sink = MailSink(INSTANCE_DIR / "mail")
            controller = Controller(sink, hostname=LOOPBACK, port=smtp_port)
            controller.start()
            say("mail", f"SMTP sink on {LOOPBACK}:{smtp_port}, saving to {INSTANCE_DIR / 'mail'}")
        if stripe_port and settings.stripe_api_base:
            stripe = sup.start("localstripe", dev_localstripe.argv(stripe_port))
            if not _wait_http(sup, stripe, f"{settings.stripe_api_base}/js.stripe.com/v3/", 30):
                return _failed(sup, "localstripe did not come up")
        # The demo is paid through localstripe and its mail goes to the sink: both run first.
        # Its webhook is registered after, so the seeding's own payments send no events.
        from furusato.demo.seed import DemoFailed

        try:
            seeded, accounts = _prepare_database(settings)
        except DemoFailed as exc:
            return _failed(sup, f"the demo could not be loaded: {exc}")
        for line in seeded:
            say("demo", line)
        if seeded and controller is not None:
            _deliver_demo_mail(controller.handler)
        if stripe_port and settings.stripe_api_base:
            _register_webhook(settings.stripe_api_base, app_url, settings.stripe_webhook_secret)
            say("localstripe", f"webhook -> {app_url}/webhooks/stripe")
        workers = WorkerWatch(sup, settings, worker_timeout, say)
        workers.start()
        web = sup.start(
            "web",
            [
                sys.executable, "-m", "gunicorn", "--bind", f"{LOOPBACK}:{port}",
                "--worker-class", "gthread", "--workers", "1", "--threads", "8",
                "--graceful-timeout", "5", "--no-control-socket", "--access-logfile", "-",
                "--access-logformat", "%(m)s %(U)s%(q)s %(s)s %(M)sms",
                "furusato:create_app()",
            ],
        )  # fmt: skip
        if not _wait_http(sup, web, f"{app_url}/healthz", 60):
            return _failed(sup, "the web app did not come up")
        _banner(app_url, settings, accounts)
        while not sup.stop_requested.wait(0.5):
            if (gave_up := workers.check()) is not None:
                return _failed(sup, gave_up)
            dead = sup.dead_child()
            if dead is not None:
                code = dead.process.returncode
                return _failed(sup, f"{dead.name} exited (code {code})")
        return 0
    finally:
        sup.stop_all()
        if controller is not None:
            controller.stop()
            say("mail", "SMTP sink stopped")
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        say("furusato", "stopped")


def _deliver_demo_mail(sink: MailSink) -> None:
    """The demo story's mails (confirmations, receipts with their PDFs, one-stop forms …) go to
    the sink in the background while the platform starts, counted rather than listed."""
    from furusato.demo import seed

    def deliver() -> None:
        sink.quiet = True
        started = time.monotonic()
        try:
            sent = seed.deliver_mail()
        finally:
            sink.quiet = False
        say("mail", f"the demo's {sent} mails sent in {time.monotonic() - started:.0f} s")

    threading.Thread(target=deliver, name="demo-mail", daemon=True).start()


def _failed(sup: Supervisor, why: str) -> int:
    if sup.stop_requested.is_set():
        return 0
    say("furusato", f"{why}: stopping everything")
    return 1


def _banner(app_url: str, settings: Settings, accounts: list[str]) -> None:
    rule = "=" * 72
    lines = [
        rule,
        f"furusato is running: {app_url}/",
        f"  database   {settings.database_url}",
        f"  payments   localstripe {settings.stripe_api_base} (test card 4242 4242 4242 4242)",
        f"  mail       {settings.smtp_url} -> instance/mail/",
        f"  worker     celery + beat on {settings.celery_broker_url}",
        *[f"  {line}" for line in accounts],
        "Press Ctrl-C once to stop everything.",
        rule,
    ]
    with _print_lock:
        print("\n".join(lines), flush=True)
