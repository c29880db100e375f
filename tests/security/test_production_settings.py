"""Production refuses to start with any built-in development value (the public webhook secret,
the localstripe keys, API base and stripe.js), each with a one-line reason naming the setting;
a proper production environment starts, and its CSP names Stripe's own origins only."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask

from furusato.config import ConfigError, load_settings, reset_settings

PREFIX = "production configuration refused: "


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Every variable a city sets for production, with values of the right shape."""
    for name in ("STRIPE_API_BASE", "STRIPE_ATTACH_CARD", "LOCALSTRIPE_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FURUSATO_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("DATABASE_URL", os.environ["DATABASE_URL"])  # the test PostgreSQL
    monkeypatch.setenv("MYNUMBER_KEYS", "b" * 43 + "=")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_51CityOwnSecret")
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", "pk_live_51CityOwnPublishable")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_the_endpoints_own_secret")
    monkeypatch.setenv("STRIPE_JS_URL", "https://js.stripe.com/v3/")
    yield monkeypatch
    reset_settings()  # the next test reads its own environment again


def test_a_proper_production_environment_starts(production: pytest.MonkeyPatch) -> None:
    """With the city's own secrets and Stripe's endpoints the app builds and serves, and its
    CSP allows stripe.js, its frames and API calls from Stripe only (no loopback origin)."""
    settings = load_settings()
    assert settings.is_production and settings.stripe_api_base is None
    reset_settings()
    from furusato import create_app

    app: Flask = create_app({"TESTING": True, "TASK_SENDER": "none"})
    response = app.test_client().get("/static/giving.js")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' https://js.stripe.com;" in csp
    assert "connect-src 'self' https://api.stripe.com;" in csp
    assert "frame-src https://js.stripe.com https://hooks.stripe.com;" in csp
    assert "127.0.0.1" not in csp and "localhost" not in csp and "http:" not in csp
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_test_mode_keys_of_the_citys_own_account_are_allowed(
    production: pytest.MonkeyPatch,
) -> None:
    """A rehearsal on the city's Stripe test account (its own sk_test_/pk_test_ pair) starts."""
    production.setenv("STRIPE_SECRET_KEY", "sk_test_51CityOwnTestSecret")
    production.setenv("STRIPE_PUBLISHABLE_KEY", "pk_test_51CityOwnTestPublishable")
    assert load_settings().is_production


REFUSED = {
    # variable: (value or None for "unset, so the built-in default"), the reason's words
    "webhook secret default": ("STRIPE_WEBHOOK_SECRET", None, "public development secret"),
    "webhook secret written out": (
        "STRIPE_WEBHOOK_SECRET",
        "whsec_furusato_local",
        "public development secret",
    ),
    "webhook secret not whsec_": ("STRIPE_WEBHOOK_SECRET", "secret", "whsec_"),
    "secret key default": ("STRIPE_SECRET_KEY", None, "localstripe default"),
    "secret key written out": ("STRIPE_SECRET_KEY", "sk_test_furusato_local", "localstripe"),
    "secret key not a key": ("STRIPE_SECRET_KEY", "pk_live_oops", "sk_"),
    "publishable key default": ("STRIPE_PUBLISHABLE_KEY", None, "localstripe default"),
    "publishable key written out": (
        "STRIPE_PUBLISHABLE_KEY",
        "pk_test_furusato_local",
        "localstripe",
    ),
    "publishable key not a key": ("STRIPE_PUBLISHABLE_KEY", "sk_live_oops", "pk_"),
    "live and test keys mixed": ("STRIPE_PUBLISHABLE_KEY", "pk_test_51Mixed", "both live"),
    "api base loopback": ("STRIPE_API_BASE", "http://127.0.0.1:8420", "STRIPE_API_BASE"),
    "api base localhost": ("STRIPE_API_BASE", "http://localhost:8420", "STRIPE_API_BASE"),
    "api base ipv6 loopback": ("STRIPE_API_BASE", "https://[::1]:8420", "STRIPE_API_BASE"),
    "api base localstripe host": ("STRIPE_API_BASE", "http://localstripe:8420", "unset"),
    "api base plain http": ("STRIPE_API_BASE", "http://api.stripe.com", "unset"),
    "stripe.js default (localstripe)": ("STRIPE_JS_URL", None, "https://js.stripe.com/v3/"),
    "stripe.js loopback": (
        "STRIPE_JS_URL",
        "http://127.0.0.1:8420/js.stripe.com/v3/",
        "https://js.stripe.com/v3/",
    ),
    "stripe.js elsewhere": ("STRIPE_JS_URL", "https://cdn.example.jp/stripe.js", "js.stripe.com"),
    "stripe.js over http": ("STRIPE_JS_URL", "http://js.stripe.com/v3/", "js.stripe.com"),
    "secret key default (signing)": ("SECRET_KEY", None, "32+ characters"),
    "secret key short": ("SECRET_KEY", "short", "32+ characters"),
    "database sqlite": ("DATABASE_URL", "sqlite:///instance/furusato.db", "PostgreSQL"),
    "my number development key": ("MYNUMBER_KEYS", None, "Fernet"),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_each_development_value_is_refused_with_a_one_line_reason(
    production: pytest.MonkeyPatch, case: str
) -> None:
    """The one bad setting makes start-up fail with exactly one reason, on one line, that
    names the variable and what to do."""
    name, value, words = REFUSED[case]
    if value is None:
        production.delenv(name)
    else:
        production.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    message = str(refused.value)
    assert message.startswith(PREFIX) and "\n" not in message
    reason = message.removeprefix(PREFIX)
    assert ";" not in reason, f"more than the one bad setting refused: {reason}"
    assert name in reason and words in reason


def test_every_reason_is_listed_at_once(production: pytest.MonkeyPatch) -> None:
    """With nothing set but FURUSATO_ENV, one start-up names every problem, one line each."""
    for name in (
        "SECRET_KEY",
        "MYNUMBER_KEYS",
        "STRIPE_SECRET_KEY",
        "STRIPE_PUBLISHABLE_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_JS_URL",
    ):
        production.delenv(name)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    reasons = str(refused.value).removeprefix(PREFIX).split("; ")
    assert len(reasons) == 6 and all("\n" not in r for r in reasons)


def test_development_csp_names_localstripe_and_production_never_does(
    production: pytest.MonkeyPatch,
) -> None:
    """The same builder gives localstripe's origins to the embedded default, Stripe's to
    production, even if production's stripe.js setting were bypassed."""
    from furusato.web.app import security_headers

    settings = load_settings()
    forged = replace(settings, stripe_js_url="http://127.0.0.1:1/x/")
    csp = security_headers(forged)["Content-Security-Policy"]
    assert "127.0.0.1" not in csp and "https://js.stripe.com" in csp
    production.setenv("FURUSATO_ENV", "development")
    production.setenv("LOCALSTRIPE_PORT", "8421")
    production.delenv("STRIPE_JS_URL")
    development = security_headers(load_settings())["Content-Security-Policy"]
    assert "script-src 'self' http://127.0.0.1:8421;" in development
