"""Behind a load balancer the donor's own address counts, and only when we trust the proxy."""

from __future__ import annotations

import pytest
from flask import Flask, request

from furusato import create_app
from furusato.config import reset_settings


def _seen_address(app: Flask) -> str:
    @app.get("/__addr")
    def _addr() -> str:
        return request.remote_addr or ""

    response = app.test_client().get(
        "/__addr",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    return response.get_data(as_text=True)


def test_forwarded_address_is_ignored_without_a_trusted_proxy() -> None:
    """By default a client cannot pick its own address with a header."""
    assert _seen_address(create_app({"TESTING": True, "TASK_SENDER": "none"})) == "10.0.0.2"


def test_forwarded_address_is_used_behind_one_trusted_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With TRUSTED_PROXIES=1 the load balancer's X-Forwarded-For gives the donor's address."""
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    reset_settings()
    try:
        app = create_app({"TESTING": True, "TASK_SENDER": "none"})
        assert _seen_address(app) == "203.0.113.7"
    finally:
        monkeypatch.delenv("TRUSTED_PROXIES")
        reset_settings()
