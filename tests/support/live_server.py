"""The app served over real HTTP in a thread, against the `committed` database.

For whatever must reach the app from outside the test's process: localstripe delivering
webhooks, a browser. The server binds 127.0.0.1 on a free port and stops after the test.

    def test_x(live_server: LiveServer): ...
        requests.get(f"{live_server.url}/healthz")
    # with webhooks from localstripe delivered to it:
    def test_y(live_stripe: LiveServer): ...

`serve(app)` is the context manager behind them, for an app built with other settings.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import Engine
from werkzeug.serving import BaseWSGIServer, make_server

from furusato import create_app
from tests.support.localstripe import LocalStripe


@dataclass
class LiveServer:
    app: Flask
    url: str
    server: BaseWSGIServer

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/webhooks/stripe"


@contextmanager
def serve(app: Flask) -> Iterator[LiveServer]:
    """Serve `app` on 127.0.0.1:<free port> in a thread until the block ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}", server=server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def live_server(committed: Engine, localstripe: LocalStripe) -> Iterator[LiveServer]:
    """The app (CSRF on, tasks recorded not sent) over HTTP, with real commits."""
    app = create_app({"TESTING": True, "TASK_SENDER": "none"})
    with serve(app) as live:
        yield live


@pytest.fixture
def live_stripe(live_server: LiveServer, localstripe: LocalStripe) -> Iterator[LiveServer]:
    """`live_server` with localstripe's webhooks delivered to it (localstripe emptied first)."""
    localstripe.reset()
    localstripe.register_webhook(live_server.webhook_url)
    try:
        yield live_server
    finally:
        localstripe.silence_webhook()
