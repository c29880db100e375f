"""An SMTP sink for the tests that read mail, on the loopback port SMTP_URL names.

tests/support/env.py gives each run a free port of its own for SMTP_URL, so no test mail reaches
a developer's `make run` sink on the default port. Nothing listens there unless a test asks for
`smtp_sink`: mail sent meanwhile fails fast (connection refused) and stays queued, which keeps
the worker tests that issue thousands of receipts from spending their time on SMTP. The sink is
aiosmtpd's own server in a process of its own (a Maildir handler), so a busy test process never
slows the worker's SMTP conversations down.

    def test_x(smtp_sink: SmtpSink, ...):
        ...
        assert smtp_sink.wait_for(lambda m: m["To"] == "donor@example.jp")
"""

from __future__ import annotations

import mailbox
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import pytest


class SmtpSink:
    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir
        self._box = mailbox.Maildir(maildir, create=True)

    @property
    def messages(self) -> list[EmailMessage]:
        parse = BytesParser(policy=policy.default).parsebytes
        found = [
            (
                self._box.get_message(key).get_date(),
                cast(EmailMessage, parse(self._box.get_bytes(key))),
            )
            for key in self._box.keys()
        ]
        return [message for _, message in sorted(found, key=lambda pair: pair[0])]

    def clear(self) -> None:
        self._box.clear()

    def wait_for(
        self, match: Callable[[EmailMessage], bool], seconds: float = 30
    ) -> EmailMessage | None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = next((m for m in self.messages if match(m)), None)
            if found is not None:
                return found
            time.sleep(0.2)
        return None


def _wait_listening(host: str, port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the SMTP sink exited with code {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the SMTP sink did not start")


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP server on SMTP_URL's port for this test, keeping every mail it receives."""
    url = urlsplit(os.environ["SMTP_URL"])
    host, port = url.hostname or "127.0.0.1", url.port or 25
    maildir = Path(tempfile.mkdtemp(prefix="furusato-test-mail-")) / "Maildir"
    sink = SmtpSink(maildir)
    process = subprocess.Popen(
        [
            sys.executable, "-m", "aiosmtpd", "-n", "-l", f"{host}:{port}",
            "-c", "aiosmtpd.handlers.Mailbox", str(maildir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_listening(host, port, process)
        yield sink
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
