"""Sign-up, login, logout and the language switch."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from furusato.services import accounts
from furusato.services.errors import ServiceError
from furusato.web.extensions import SUPPORTED_LOCALES, limiter, translated, translated_fields
from furusato.web.forms import Form, safe_next
from furusato.web.guards import public

bp = Blueprint("auth", __name__)

HOME_BY_ROLE = {"donor": "/me", "business": "/business/", "staff": "/staff/"}


class LoginForm(Form):
    email = EmailField(lazy_gettext("メールアドレス"), validators=[DataRequired(), Email()])
    password = PasswordField(lazy_gettext("パスワード"), validators=[DataRequired()])


class SignupForm(Form):
    role = RadioField(
        lazy_gettext("登録の種類"),
        choices=[
            SelectChoice("donor", lazy_gettext("寄附者")),
            SelectChoice("business", lazy_gettext("事業者")),
        ],
        default="donor",
    )
    display_name = StringField(lazy_gettext("お名前"), validators=[DataRequired(), Length(max=100)])
    business_name = StringField(
        lazy_gettext("事業者名（事業者のみ）"), validators=[Optional(), Length(max=200)]
    )
    email = EmailField(lazy_gettext("メールアドレス"), validators=[DataRequired(), Email()])
    password = PasswordField(
        lazy_gettext("パスワード（10文字以上）"), validators=[DataRequired(), Length(min=10)]
    )


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", methods=["POST"])  # per address; per account: the lockout
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data or "", form.password.data or "")
        except ServiceError as exc:  # the account is locked (shared with the API's tokens)
            flash(translated(exc.message), "error")
            return render_template("auth/login.html", form=form), exc.status
        if user is None:
            flash(gettext("メールアドレスまたはパスワードが正しくありません。"), "error")
        else:
            session.clear()  # a fresh session on login: no fixation
            login_user(user)
            return redirect(safe_next(request.args.get("next"), HOME_BY_ROLE[user.role]))
    return render_template("auth/login.html", form=form)


@bp.route("/signup", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def signup() -> ResponseReturnValue:
    form = SignupForm()
    if form.validate_on_submit():
        try:
            accounts.register(
                email=form.email.data or "",
                password=form.password.data or "",
                role=form.role.data or "donor",
                display_name=form.display_name.data or "",
                business_name=form.business_name.data or None,
            )
        except ServiceError as exc:
            for field, message in translated_fields(exc.fields).items():
                getattr(form, field, form.email).errors.append(message)
            flash(translated(exc.message), "error")
        else:
            try:
                user = accounts.authenticate(form.email.data or "", form.password.data or "")
            except ServiceError:  # the address was locked before it had an account
                flash(gettext("登録しました。ログインしてください。"), "success")
                return redirect("/login")
            if user is not None:
                session.clear()
                login_user(user)
                flash(gettext("登録しました。"), "success")
                return redirect(HOME_BY_ROLE[user.role])
    return render_template("auth/signup.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    # Sessions are signed cookies: ending the account's session version is what makes a copy
    # of this cookie (taken before logout) stop working. It signs out the other devices too.
    accounts.end_sessions(current_user.id)
    logout_user()
    session.clear()
    return redirect("/")


logout.access_roles = ("donor", "business", "staff")  # type: ignore[attr-defined,unused-ignore]


@bp.get("/lang/<code>")
@public
def set_language(code: str) -> ResponseReturnValue:
    """The header's language link. A GET, like a link to another edition of the site: it sets
    only this browser's display preference (no account data), so a third party making a visitor
    follow it can at most show that visitor the other language. As a link it needs no CSRF
    token, so a page for a visitor without a session does not have to create one."""
    if code not in SUPPORTED_LOCALES:
        code = "ja"
    response = make_response(redirect(safe_next(request.args.get("next"), "/")))
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


__all__ = ["bp", "current_user"]
