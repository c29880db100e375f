"""localstripe for the tests: one server per test session, on loopback and a free port.

The `localstripe` fixture starts it in a subprocess (bound to 127.0.0.1, data kept in memory
only: the library's fixed /tmp pickle would be shared with other suites on this machine and slows
every create), points furusato's settings and gateway at it, and stops it at the end.

    def test_x(localstripe: LocalStripe, db): ...
        localstripe.reset()                          # DELETE /_config/data
        pm = localstripe.payment_method("4242424242424242")
        localstripe.register_webhook(f"{live_server.url}/webhooks/stripe")
        localstripe.payment_intents(customer="cus_...")
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe

from furusato.config import get_settings, reset_settings
from furusato.payments import set_gateway

# Run in the child: no persistence, loopback only, the requested port.
_LAUNCHER = """
import sys, aiohttp.web
from localstripe import resources
resources.store.dump_to_disk = lambda: None
from localstripe.server import app
aiohttp.web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""

TEST_CARDS = {
    "visa": "4242424242424242",
    "declined": "4000000000000002",
    "3ds": "4000002500003155",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalStripe:
    """A running localstripe and the helpers tests need around it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.js_url = f"{self.url}/js.stripe.com/v3/"
        self.secret_key = "sk_test_furusato_local"
        self.client = stripe.StripeClient(self.secret_key, base_addresses={"api": self.url})

    @property
    def webhook_secret(self) -> str:
        return get_settings().stripe_webhook_secret

    def reset(self) -> None:
        """Forget every object (customers, intents, ...); registered webhooks stay."""
        requests.delete(f"{self.url}/_config/data", timeout=10).raise_for_status()

    def register_webhook(
        self,
        url: str,
        *,
        secret: str | None = None,
        events: list[str] | None = None,
        webhook_id: str = "furusato",
    ) -> None:
        """Have localstripe POST its events to `url`, signed with `secret` (the app's, default)."""
        data: dict[str, Any] = {"url": url, "secret": secret or self.webhook_secret}
        if events is not None:
            data["events"] = events
        requests.post(
            f"{self.url}/_config/webhooks/{webhook_id}", json=data, timeout=10
        ).raise_for_status()

    def silence_webhook(self, webhook_id: str = "furusato") -> None:
        """Stop deliveries to a registered endpoint (localstripe cannot delete one)."""
        self.register_webhook("http://127.0.0.1:9/", events=["none.none"], webhook_id=webhook_id)

    def payment_method(self, card_number: str = TEST_CARDS["visa"]) -> str:
        """A PaymentMethod id for a test card, created through the real stripe library."""
        pm = self.client.v1.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": card_number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
            }
        )
        return str(pm.id)

    def confirm_setup(self, setup_intent_id: str, card_number: str = TEST_CARDS["visa"]) -> str:
        """What the browser's confirmCardSetup does: confirm the SetupIntent with a new card."""
        pm = self.payment_method(card_number)
        intent = self.client.v1.setup_intents.confirm(
            setup_intent_id, params={"payment_method": pm}
        )
        if intent.status == "requires_action":  # 3-D Secure card: the donor completes it
            self.client.v1.setup_intents.confirm(setup_intent_id)
        return pm

    def authenticate(self, payment_intent_id: str, client_secret: str, success: bool = True) -> str:
        """What the browser's confirmCardPayment does for a PaymentIntent needing 3-D Secure."""
        response = requests.post(
            f"{self.url}/v1/payment_intents/{payment_intent_id}/_authenticate",
            params={"success": "true" if success else "false"},
            json={"key": "pk_test_furusato_local", "client_secret": client_secret},
            timeout=10,
        )
        response.raise_for_status()
        return str(response.json()["status"])

    def payment_intents(self, customer: str | None = None) -> list[Any]:
        """Every PaymentIntent localstripe holds (optionally of one customer)."""
        page = self.client.v1.payment_intents.list(params={"limit": 100})
        intents = list(page.auto_paging_iter())
        if customer is not None:
            intents = [i for i in intents if i.customer == customer]
        return intents

    def sign(
        self, payload: bytes, *, timestamp: int | None = None, secret: str | None = None
    ) -> str:
        """A Stripe-Signature header for `payload`, by Stripe's scheme (HMAC-SHA256 of t.body)."""
        t = int(time.time()) if timestamp is None else timestamp
        key = (secret or self.webhook_secret).encode()
        mac = hmac.new(key, f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
        return f"t={t},v1={mac}"

    def event_payload(self, event_type: str, obj: dict[str, Any], event_id: str) -> bytes:
        """A webhook body shaped as Stripe and localstripe send it."""
        event = {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "livemode": False,
            "api_version": "2020-08-27",
            "data": {"object": obj},
        }
        return json.dumps(event).encode()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with code {process.returncode}")
        try:
            requests.get(f"{url}/js.stripe.com/v3/", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("localstripe did not start in time")


_NAMES = ("STRIPE_API_BASE", "STRIPE_JS_URL", "LOCALSTRIPE_PORT")
_applied: dict[str, str] = {}  # what the running session's localstripe put in the environment


def _point_app_at(env: dict[str, str | None]) -> None:
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    reset_settings()
    set_gateway(None)


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    """A localstripe server for the whole run; furusato's settings and gateway point at it."""
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="furusato-localstripe-")
    log = open(os.path.join(workdir, "localstripe.log"), "wb")
    process = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, str(port)],
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = LocalStripe(port)
    previous = {name: os.environ.get(name) for name in _NAMES}
    try:
        _wait_until_up(server.url, process)
        _applied.update(
            {
                "STRIPE_API_BASE": server.url,
                "STRIPE_JS_URL": server.js_url,
                "LOCALSTRIPE_PORT": str(port),
            }
        )
        _point_app_at(dict(_applied))
        yield server
    finally:
        _applied.clear()
        _point_app_at(previous)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def stripe_clean(localstripe: LocalStripe) -> LocalStripe:
    """The session's localstripe, emptied before this test."""
    localstripe.reset()
    return localstripe


@pytest.fixture(autouse=True)
def _localstripe_only_where_used(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests that do not ask for localstripe see the environment as it was without it (the
    session's server stays up, but its address is not a setting they inherit)."""
    if not _applied or "localstripe" in request.fixturenames:
        yield
        return
    saved = {n: v for n, v in _applied.items() if os.environ.get(n) == v}
    _point_app_at({n: None for n in saved})
    try:
        yield
    finally:
        _point_app_at(dict(saved))
