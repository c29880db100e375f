"""furusato: a city's own crowdfunding furusato nozei platform."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the web application (gunicorn 'furusato:create_app()')."""
    from furusato.web.app import build_app

    return build_app(overrides)
