"""The application factory: configuration, extensions, blueprints, error pages."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, make_response, render_template, request
from flask_babel import gettext, lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from furusato import log_masking
from furusato.config import PROJECT_ROOT, Settings, get_settings
from furusato.services import accounts, dispatch
from furusato.services.errors import ServiceError
from furusato.web.extensions import (
    SUPPORTED_LOCALES,
    babel,
    csrf,
    install_template_gettext,
    limiter,
    login_manager,
    select_locale,
    translated,
)
from furusato.web.formatting import FILTERS

HERE = Path(__file__).resolve().parent


def build_app(overrides: dict[str, Any] | None = None) -> Flask:
    settings = get_settings()
    # Before anything logs a request: no guest token reaches gunicorn's, Werkzeug's or our logs.
    log_masking.install()
    app = Flask(
        "furusato",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(HERE / "static"),
        static_url_path="/static",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        MAX_CONTENT_LENGTH=40 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_url,
        RATELIMIT_HEADERS_ENABLED=True,
        BABEL_DEFAULT_LOCALE="ja",
        BABEL_DEFAULT_TIMEZONE="Asia/Tokyo",
        BABEL_TRANSLATION_DIRECTORIES=str(HERE.parent / "translations"),
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if overrides:
        app.config.update(overrides)

    if settings.trusted_proxies:
        # Behind a load balancer every request comes from its address: take the donor's from
        # X-Forwarded-For (only as many hops as are ours), or per-IP rate limits throttle all.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("ログインしてください。")
    login_manager.localize_callback = str
    login_manager.session_protection = "basic"
    login_manager.user_loader(accounts.load_user)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    for name, fn in FILTERS.items():
        app.jinja_env.filters[name] = fn

    _install_task_sender(app)
    # Ids are INTEGER columns: a larger number in a path is no route (404), not a DB error.
    app.url_map.converters["int"] = Int32Converter
    _register_blueprints(app)
    _register_error_pages(app)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        locale = select_locale()
        english = locale == "en"
        return {
            "city": settings.city,
            # The city as a page names it: its English name and address on English pages
            # (documents and mails keep the Japanese ones from `city`).
            "city_name": settings.city.name_en if english else settings.city.name,
            "city_address": settings.city.address_en if english else settings.city.address,
            "settings": settings,
            "current_locale": locale,
            "supported_locales": SUPPORTED_LOCALES,
        }

    @app.before_request
    def _refuse_nul() -> None:
        """PostgreSQL text cannot hold a NUL character: such input is malformed (400)."""
        values = list(request.args.listvalues())
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += request.form.listvalues()
        if any("\x00" in v for vs in values for v in vs) or "\x00" in request.path:
            abort(400)

    headers = security_headers(settings)  # the same on every response: written once

    @app.after_request
    def _security_headers(response: Response) -> Response:
        if log_masking.carries_token(request.full_path):
            # The page's own requests (its script, the payment calls) name only our origin:
            # the guest's token never travels as a Referer.
            response.headers["Referrer-Policy"] = "strict-origin"
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if response.headers.get("Content-Disposition", "").startswith("attachment"):
            # Downloads carry personal or bank data: never kept by a browser or proxy cache.
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    return app


def security_headers(settings: Settings) -> dict[str, str]:
    """Headers every response carries; the CSP names only the payment origins `settings`
    allows (in production, Stripe's own)."""
    stripe = settings.stripe_csp()
    script, connect, frame = (
        " ".join(stripe[d]) for d in ("script-src", "connect-src", "frame-src")
    )
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            f"script-src 'self' {script}; connect-src 'self' {connect}; "
            f"frame-src {frame}; object-src 'none'; base-uri 'self'; form-action 'self'"
        ),
    }
    if settings.is_production:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


class Int32Converter(IntegerConverter):
    """`<int:…>` limited to what an INTEGER primary key can hold."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _install_task_sender(app: Flask) -> None:
    if app.config.get("TASK_SENDER", "celery") != "celery":
        return
    from worker.celeryapp import celery_app

    dispatch.install(celery_app.send_task)


def _register_blueprints(app: Flask) -> None:
    from furusato.web import auth, business, donor, giving, public, staff, webhooks
    from furusato.web.api import api

    for bp in (public.bp, giving.bp, auth.bp, donor.bp, business.bp, staff.bp):
        app.register_blueprint(bp)
    app.register_blueprint(webhooks.bp)
    csrf.exempt(webhooks.bp)
    app.register_blueprint(api)
    csrf.exempt(api)


def _register_error_pages(app: Flask) -> None:
    log = logging.getLogger("furusato.web")

    def page(status: int, title: str, message: str) -> Any:
        if request.path.startswith("/api/"):  # API clients get problem+json, not a page
            from furusato.web.api.core import Problem, problem_response

            return problem_response(
                Problem(title=HTTP_STATUS_CODES.get(status, "Error"), status=status, detail=message)
            )
        return (
            render_template("errors/error.html", status=status, title=title, message=message),
            status,
        )

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> Any:
        # problem+json keeps the service's message as it is, beside its code
        api = request.path.startswith("/api/")
        message = exc.message if api else translated(exc.message)
        return page(exc.status, gettext("処理できませんでした"), message)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        return page(
            400,
            gettext("フォームの有効期限が切れました"),
            gettext("ページを再読み込みして、もう一度お試しください。"),
        )

    @app.errorhandler(400)
    def _bad_request(exc: Exception) -> Any:
        return page(
            400, gettext("リクエストが正しくありません"), gettext("入力内容をご確認ください。")
        )

    @app.errorhandler(403)
    def _forbidden(exc: Exception) -> Any:
        return page(
            403, gettext("アクセスできません"), gettext("このページを見る権限がありません。")
        )

    @app.errorhandler(404)
    def _not_found(exc: Exception) -> Any:
        return page(404, gettext("ページが見つかりません"), gettext("URLをご確認ください。"))

    @app.errorhandler(405)
    def _method_not_allowed(exc: MethodNotAllowed) -> Response:
        response = make_response(
            page(405, gettext("この操作はできません"), gettext("URLをご確認ください。"))
        )
        response.headers["Allow"] = ", ".join(exc.valid_methods or [])
        return response

    @app.errorhandler(413)
    def _too_large(exc: Exception) -> Any:
        return page(
            413, gettext("ファイルが大きすぎます"), gettext("小さいファイルを選んでください。")
        )

    @app.errorhandler(429)
    def _too_many(exc: Exception) -> Any:
        return page(
            429,
            gettext("しばらくお待ちください"),
            gettext("短時間に多くの試行がありました。時間をおいて再度お試しください。"),
        )

    @app.errorhandler(500)
    def _server_error(exc: Exception) -> Any:
        log.error("server error on %s", request.path)
        return page(
            500, gettext("エラーが発生しました"), gettext("時間をおいて再度お試しください。")
        )
