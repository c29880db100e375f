"""The browser journeys' world: the app served by gunicorn, a real worker, localstripe, Chromium.

`served` starts `gunicorn 'furusato:create_app()'` (gthread workers, as in production) on
127.0.0.1 and a free port, with the test environment: the slot's PostgreSQL database (committed
rows), its Redis db as the Celery broker (the module's real worker runs the tasks), localstripe
delivering its webhooks to the gunicorn URL, and the run's SMTP sink. It stops after the test.

    def test_x(served: Served, open_page: PageOpener, shots: Shots): ...
        page = open_page()                  # a fresh browser context (its own cookies)
        page.goto(served.url); shots.take(page, "home")

Screenshots go to test-artifacts/e2e/<test name>/NN-<step>.png (the folder is gitignored;
$FURUSATO_ARTIFACTS replaces test-artifacts/).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine

from furusato.services import accounts
from tests.support.localstripe import LocalStripe, free_port
from tests.support.worker import RunningWorker, celery_worker, worker  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
# Screenshots and other artifacts: $FURUSATO_ARTIFACTS (a CI job's upload folder) or the
# gitignored test-artifacts/ of the checkout.
ARTIFACTS_ROOT = Path(os.environ.get("FURUSATO_ARTIFACTS") or ROOT / "test-artifacts")
ARTIFACTS = ARTIFACTS_ROOT / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "journey-password-0123"

needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium fonts-noto-cjk)",
)


@dataclass
class Served:
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{log.read_text(errors='replace')}")
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still importing the app
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz:\n{log.read_text(errors='replace')}")


@pytest.fixture
def served(
    committed: Engine,
    localstripe: LocalStripe,
    worker: RunningWorker,  # noqa: F811
) -> Iterator[Served]:
    """The app under gunicorn for one test (a fresh process: no cache or rate-limit state is
    carried between tests), with localstripe's webhooks delivered to it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp(prefix="furusato-gunicorn-")) / "gunicorn.log"
    env = dict(os.environ, BASE_URL=url)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "furusato:create_app()",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--timeout",
                "60",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(url, process, log)
        localstripe.reset()
        localstripe.register_webhook(f"{url}/webhooks/stripe")
        yield Served(url=url, log_path=log)
    finally:
        localstripe.silence_webhook()
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no browser download). One per module:
    a module that starts its own sync Playwright cannot run while another one is open."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


PageOpener = Callable[[], Any]


@pytest.fixture
def open_page(browser: Any) -> Iterator[PageOpener]:
    """Opens pages, each in its own browser context (so each actor keeps its own session)."""
    contexts: list[Any] = []

    def open_one() -> Any:
        context = browser.new_context(
            locale="ja-JP", viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()


@dataclass
class Shots:
    folder: Path
    taken: list[Path] = field(default_factory=list)

    def take(self, page: Any, step: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    """Screenshots of this test's steps under test-artifacts/e2e/<test name>/."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return Shots(folder)


def make_staff(email: str, name: str) -> None:
    """A city staff account (staff are created by an administrator, not by sign-up)."""
    accounts.register(email=email, password=PASSWORD, role="staff", display_name=name)


def log_in(page: Any, url: str, email: str, password: str = PASSWORD) -> None:
    """From the home page (the one typed address), through the header's ログイン link."""
    page.goto(url)
    page.locator("header nav").get_by_role("link", name="ログイン", exact=True).click()
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, "login failed"
