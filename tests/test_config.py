"""Production configuration is refused when it is unsafe."""

from __future__ import annotations

import pytest

from furusato.config import ConfigError, load_settings


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("FURUSATO_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app@db/furusato")
    monkeypatch.setenv("MYNUMBER_KEYS", "b" * 43 + "=")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_live_secret")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_city")
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", "pk_live_city")
    monkeypatch.setenv("STRIPE_JS_URL", "https://js.stripe.com/v3/")
    monkeypatch.delenv("STRIPE_API_BASE", raising=False)
    return monkeypatch


def test_a_complete_production_environment_loads(production: pytest.MonkeyPatch) -> None:
    """With every secret set, production starts and talks to Stripe itself."""
    settings = load_settings()
    assert settings.is_production
    assert settings.stripe_api_base is None


def test_default_secret_key_is_refused(production: pytest.MonkeyPatch) -> None:
    """The development secret never signs a production session."""
    production.delenv("SECRET_KEY")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings()


def test_sqlite_is_refused_in_production(production: pytest.MonkeyPatch) -> None:
    """Production money lives in PostgreSQL."""
    production.setenv("DATABASE_URL", "sqlite:///instance/furusato.db")
    with pytest.raises(ConfigError, match="SQLite"):
        load_settings()


def test_development_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bare checkout runs on SQLite, the SQLAlchemy broker and localstripe."""
    for name in ("FURUSATO_ENV", "DATABASE_URL", "CELERY_BROKER_URL", "STRIPE_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.celery_broker_url.startswith("sqla+sqlite:///")
    assert settings.stripe_api_base == "http://127.0.0.1:8420"
