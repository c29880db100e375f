"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Flask, current_app, g, request
from flask_babel import Babel, get_translations
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect

from furusato.domain import labels
from furusato.domain.messages import Message
from furusato.web.formatting import page_date

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

SUPPORTED_LOCALES = ("ja", "en")


def check_csrf() -> None:
    """The CSRF check, for a view exempt from the one before every request because it must
    first decide something without reading the body (the image upload)."""
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def select_locale() -> str:
    """The request's language, chosen once (flask-babel, the templates' globals and the page
    cache's keys all ask; each asking again would read the cookie and load the user again)."""
    chosen: str | None = g.get("_locale")
    if chosen is None:
        chosen = g._locale = _chosen_locale()
    return chosen


def _chosen_locale() -> str:
    chosen = request.cookies.get("lang")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        locale = getattr(current_user, "locale", "ja")
        if locale in SUPPORTED_LOCALES:
            return locale
    return "ja"


def _translations() -> Any:
    """The request's catalog, looked up once: flask-babel finds it again (locale, domain,
    cache) on every `_()` in a template, a tenth of a project list's time."""
    found = g.get("_translations")
    if found is None:
        found = g._translations = get_translations()
    return found


def install_template_gettext(app: Flask) -> None:
    """flask-babel's template callables, over the request's catalog (after `babel.init_app`)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters["translated"] = translated
    app.jinja_env.filters["label"] = status_label


def status_label(value: str | None, machine: str) -> str:
    """`{{ payout.status|label("payout") }}`: a state's name in the page's language."""
    return translated(labels.label(machine, value))


def translated(message: str) -> str:
    """A Japanese message of the services or the domain (a refusal, a rule's violation) in the
    page's language. A message with values is translated as its template, then filled in with
    them; a value that is itself a message (a field's label, an inner refusal) is translated
    too, a date is written in the page's form, and any other value (a number, a title, a status
    code) is no msgid and stays as it is."""
    if not message:
        return message  # gettext("") is the catalog's header
    catalog = _translations()
    if isinstance(message, Message):
        values = {name: _value(value) for name, value in message.values.items()}
        return str(catalog.ugettext(message.template) % values)
    return str(catalog.ugettext(message))


def _value(value: object) -> object:
    """A message's value in the page's language: a message translated, a date in the page's form."""
    if isinstance(value, str):
        return translated(value)
    if isinstance(value, date):
        return page_date(value)
    return value


def translated_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """A refusal's per-field messages, each in the page's language."""
    return {name: translated(message) for name, message in fields.items()}
