"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

SUPPORTED_LOCALES = ("ja", "en")


def select_locale() -> str:
    chosen = request.cookies.get("lang")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        locale = getattr(current_user, "locale", "ja")
        if locale in SUPPORTED_LOCALES:
            return locale
    return "ja"
