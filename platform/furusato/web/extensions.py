"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, g, request
from flask_babel import Babel, get_translations
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect
from jinja2 import pass_context
from jinja2.runtime import Context

from furusato.domain.messages import Message

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

SUPPORTED_LOCALES = ("ja", "en")


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


def _catalog_of(context: Context) -> Any:
    """The catalog a template renders with: put in its context once per render (a dictionary
    lookup for each `_()`, where `g` is a context-local proxy), else the request's."""
    found = context.get("_catalog")
    return found if found is not None else _translations()


def install_template_gettext(app: Flask) -> None:
    """flask-babel's template callables, over the request's catalog (after `babel.init_app`)."""
    app.context_processor(lambda: {"_catalog": _translations()})
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=pass_context(lambda ctx, s: _catalog_of(ctx).ugettext(s)),
        ngettext=pass_context(lambda ctx, s, p, n: _catalog_of(ctx).ungettext(s, p, n)),
        newstyle=True,
        pgettext=pass_context(lambda ctx, c, s: _catalog_of(ctx).upgettext(c, s)),
        npgettext=pass_context(lambda ctx, c, s, p, n: _catalog_of(ctx).unpgettext(c, s, p, n)),
    )
    app.jinja_env.filters["translated"] = translated


def translated(message: str) -> str:
    """A Japanese message of the services or the domain (a refusal, a rule's violation) in the
    page's language. A message with values is translated as its template, then filled in with
    them; a value that is itself a message (a field's label, an inner refusal) is translated
    too, and any other (a number, a title, a status code) is no msgid and stays as it is."""
    if not message:
        return message  # gettext("") is the catalog's header
    catalog = _translations()
    if isinstance(message, Message):
        values = {
            name: translated(value) if isinstance(value, str) else value
            for name, value in message.values.items()
        }
        return str(catalog.ugettext(message.template) % values)
    return str(catalog.ugettext(message))


def translated_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """A refusal's per-field messages, each in the page's language."""
    return {name: translated(message) for name, message in fields.items()}
