"""An SMTP server on SMTP_URL's port that answers each recipient as the test says: 550 to
`refused@…`, 451 to `later@…`, and keeps every other mail with its envelope. In the test's
own process (aiosmtpd's Controller thread), for the tests of what happens when mail fails.

    def test_x(picky_smtp: PickySmtp, ...):
        ...
        assert picky_smtp.wait_for(lambda m: m.message["To"] == "donor@example.jp")
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, cast
from urllib.parse import urlsplit

import pytest

REFUSED = "refused@example.jp"
LATER = "later@example.jp"


@dataclass(frozen=True)
class Received:
    recipients: list[str]
    message: EmailMessage
    raw: bytes


class PickySmtp:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 <refused@example.jp>: no such user here"
        if address == LATER:
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.original_content or envelope.content)
        message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
        with self._lock:
            self.received.append(Received(list(envelope.rcpt_tos), message, raw))
        return "250 Message accepted"

    def wait_for(self, match: Callable[[Received], bool], seconds: float = 60) -> Received | None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self._lock:
                found = next((r for r in self.received if match(r)), None)
            if found is not None:
                return found
            time.sleep(0.2)
        return None


@pytest.fixture
def picky_smtp() -> Iterator[PickySmtp]:
    from aiosmtpd.controller import Controller

    url = urlsplit(os.environ["SMTP_URL"])
    server = PickySmtp()
    controller = Controller(server, hostname=url.hostname, port=url.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
