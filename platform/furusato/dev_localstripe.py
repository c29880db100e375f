"""localstripe for the embedded default: the child `furusato dev` supervises, and the one
`furusato seed-demo` starts for its payments when none answers.

It listens on loopback only and keeps its data in the instance folder (instance/localstripe.pickle),
not in the library's shared /tmp file, so the demo's PaymentIntents outlive a restart and
`furusato dev` finds the ones `furusato seed-demo` made.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

from furusato.config import INSTANCE_DIR, PROJECT_ROOT, Settings

# Run in the localstripe child: loopback only, data in our instance folder.
SCRIPT = """
import asyncio, os, pickle, sys
import aiohttp.web
from localstripe import resources

PORT, PATH = int(sys.argv[1]), sys.argv[2]
_due = []

def load(self):
    try:
        with open(PATH, "rb") as f:
            self.clear(); self.update(pickle.load(f))
    except (FileNotFoundError, EOFError, pickle.UnpicklingError):
        pass

def write():
    _due.clear()
    with open(PATH + ".tmp", "wb") as f:
        pickle.dump(dict(resources.store), f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(PATH + ".tmp", PATH)

def dump(self):
    # localstripe writes its whole store on every change: at most every half second here,
    # and once more when it stops (a burst of payments would otherwise rewrite it each time).
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return write()
    if not _due:
        _due.append(loop.call_later(0.5, write))

async def flush(app):
    if _due:
        _due[0].cancel()
        write()

resources.Store.try_load_from_disk = load
resources.Store.dump_to_disk = dump
resources.store.try_load_from_disk()
from localstripe.server import app
app.on_cleanup.append(flush)
aiohttp.web.run_app(app, host="127.0.0.1", port=PORT, print=None)
"""


def argv(port: int) -> list[str]:
    return [sys.executable, "-c", SCRIPT, str(port), str(INSTANCE_DIR / "localstripe.pickle")]


def loopback_port(url: str | None) -> int | None:
    """The port of a service the dev runner starts itself (only when it is on loopback)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        return None
    return parts.port


def answers(api_base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_base}/js.stripe.com/v3/", timeout=1) as response:  # noqa: S310 - loopback URL
            return bool(response.status < 500)
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def for_seeding(settings: Settings) -> Iterator[str]:
    """The gateway `furusato seed-demo` pays through: the configured one if it answers; the
    embedded localstripe, started here for the seeding and stopped after, if that is the one
    configured and none runs. Yields a line saying which."""
    base = settings.stripe_api_base
    port = loopback_port(base)
    if base is None or port is None or answers(base):
        yield f"payments through {base or 'Stripe'}"
        return
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        argv(port),
        cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not answers(base):
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"localstripe did not come up on {base}")
            time.sleep(0.2)
        yield f"payments through localstripe on {base}, started for the seeding (data kept in {INSTANCE_DIR / 'localstripe.pickle'})"
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
