"""An SMTP sink for the whole test run, on the loopback port SMTP_URL names (tests/support/env.py).

Every process of the run (the app, the Celery worker) sends its mail here, never to a developer's
`make run` sink on the default port. Tests that care read `smtp_sink.messages`.

    def test_x(smtp_sink: SmtpSink, ...):
        smtp_sink.clear()
        ...
        assert smtp_sink.wait_for(lambda m: m["To"] == "donor@example.jp")
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content
        data = content if isinstance(content, bytes) else str(content).encode()
        message = BytesParser(policy=policy.default).parsebytes(data)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def wait_for(
        self, match: Callable[[EmailMessage], bool], seconds: float = 30
    ) -> EmailMessage | None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self._lock:
                found = next((m for m in self.messages if match(m)), None)
            if found is not None:
                return found
            time.sleep(0.1)
        return None


@pytest.fixture(scope="session", autouse=True)
def smtp_sink() -> Iterator[SmtpSink]:
    """The run's SMTP sink (started for every run, so no mail leaves the test run)."""
    url = urlsplit(os.environ["SMTP_URL"])
    sink = SmtpSink()
    controller = Controller(sink, hostname=url.hostname, port=url.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
