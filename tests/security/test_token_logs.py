"""Guest capability tokens (`/donations/<token>`, `?t=<token>`) never reach a log or a Referer:
gunicorn run as the documented command, Werkzeug's server and the app's own loggers."""

from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from furusato import create_app
from tests.factories import make_donation, make_project
from tests.support.env import _free_port
from tests.support.live_server import serve

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _documented_web_command() -> list[str]:
    """docker-compose.yml's web command (tests/test_packaging.py holds it equal to the README's)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["web"]["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def _with(argv: list[str], option: str, value: str) -> list[str]:
    assert option in argv, f"the documented command has no {option}"
    out = list(argv)
    out[out.index(option) + 1] = value
    return out


def _get(url: str, **headers: str) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http on loopback)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, dict(answer.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


@pytest.fixture
def guest_donation(committed: Engine) -> Iterator[tuple[int, str]]:
    """A committed donation (id, access token) that another process can read."""
    with Session(committed) as session:
        donation = make_donation(session, make_project(session), status="pending_payment")
        session.commit()
        yield donation.id, donation.access_token


def _wait_up(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        try:
            if _get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("gunicorn did not come up")


def test_gunicorn_access_log_of_the_documented_command_masks_guest_tokens(
    guest_donation: tuple[int, str], tmp_path: Path
) -> None:
    """The production command (one worker, loopback, its access log to a file) logs every guest
    request, but with the token masked: in the path, in `?t=` and in the Referer."""
    donation_id, token = guest_donation
    port = _free_port()
    access_log, error_log = tmp_path / "access.log", tmp_path / "error.log"
    argv = _documented_web_command()
    assert argv[0] == "gunicorn" and argv[-1] == "furusato:create_app()"
    argv = _with(argv, "--bind", f"127.0.0.1:{port}")
    argv = _with(argv, "--access-logfile", str(access_log))
    argv = _with(argv, "--workers", "1")  # each worker is the same; one is enough here
    argv = [str(GUNICORN), *argv[1:-1], "--no-control-socket", argv[-1]]
    base = f"http://127.0.0.1:{port}"
    with error_log.open("wb") as errors:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=os.environ.copy(), stdout=errors, stderr=errors
        )
        try:
            _wait_up(f"{base}/healthz", process)
            page_status, page_headers = _get(f"{base}/donations/{token}")
            assert page_status == 200
            assert page_headers["Referrer-Policy"] == "strict-origin"
            _get(f"{base}/donations/{token}/status")
            _get(f"{base}/donations/{donation_id}/receipt.pdf?t={token}")
            _get(f"{base}/donations/{donation_id}/onestop-form.pdf?lang=ja&t={token}")
            _get(f"{base}/static/app.css", Referer=f"{base}/donations/{token}")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    logged = access_log.read_text()
    assert token not in logged
    assert token not in error_log.read_text()
    assert "GET /donations/[token] HTTP/1.1" in logged
    assert "GET /donations/[token]/status HTTP/1.1" in logged
    assert f"/donations/{donation_id}/receipt.pdf?t=[token]" in logged
    assert f"/donations/{donation_id}/onestop-form.pdf?lang=ja&t=[token]" in logged
    assert f'"{base}/donations/[token]"' in logged  # the Referer of the stylesheet


def test_werkzeug_and_app_loggers_mask_guest_tokens(
    guest_donation: tuple[int, str], caplog: pytest.LogCaptureFixture
) -> None:
    """Werkzeug's request log and any logger of the app show the request without the token;
    an Authorization, Cookie or X-Donation-Token value given as a named argument is masked."""
    donation_id, token = guest_donation
    app = create_app({"TESTING": True, "TASK_SENDER": "none"})
    with caplog.at_level(logging.INFO), serve(app) as live:
        assert _get(f"{live.url}/donations/{token}")[0] == 200
        _get(f"{live.url}/donations/{donation_id}/receipt.pdf?t={token}")
        logging.getLogger("furusato.web").error("server error on %s", f"/donations/{token}/pay")
        logging.getLogger("furusato.mail").warning(f"link %2Fdonations%2F{token} in a next=")
        logging.getLogger("gunicorn.access").info(
            "%(r)s %({authorization}i)s %({x-donation-token}i)s %({cookie}i)s",
            {
                "r": f"GET /donations/{donation_id}/onestop-form.pdf?t={token} HTTP/1.1",
                "{authorization}i": "Bearer fst_secret-api-token",
                "{x-donation-token}i": token,
                "{cookie}i": "session=secret-session",
            },
        )
    messages = [record.getMessage() for record in caplog.records]
    text = "\n".join(messages)
    assert token not in text and "fst_secret-api-token" not in text
    assert "secret-session" not in text
    assert any('"GET /donations/[token] HTTP/1.1" 200' in m for m in messages)
    assert f"/donations/{donation_id}/receipt.pdf?t=[token]" in text
    assert "server error on /donations/[token]/pay" in text
    assert "link %2Fdonations%2F[token] in a next=" in text
    assert f"/donations/{donation_id}/onestop-form.pdf?t=[token] HTTP/1.1 [token] [token]" in text


def test_only_pages_with_a_token_change_the_referrer_policy(
    guest_donation: tuple[int, str],
) -> None:
    """The guest's pages send `strict-origin` (the Referer of what they load names only our
    site); other pages keep `same-origin`."""
    donation_id, token = guest_donation
    client = create_app({"TESTING": True, "TASK_SENDER": "none"}).test_client()
    assert client.get(f"/donations/{token}").headers["Referrer-Policy"] == "strict-origin"
    pdf = client.get(f"/donations/{donation_id}/receipt.pdf?t={token}")
    assert pdf.headers["Referrer-Policy"] == "strict-origin"
    assert client.get("/projects").headers["Referrer-Policy"] == "same-origin"
