"""The business's 活動報告 page: its campaign's updates (the final report with its accounts
among them), the form to post one, and the donors' 応援メッセージ to approve, decline or answer.

Its URLs are in the business area's table (web/business.py).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, FieldList, FormField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from furusato.domain import cheer
from furusato.domain import updates as update_rules
from furusato.domain.updates import AccountLine
from furusato.services.campaigns import cheers, images, update_pages, updates
from furusato.services.errors import Conflict, ServiceError, ValidationFailed
from furusato.web.extensions import translated, translated_fields
from furusato.web.forms import Form
from furusato.web.guards import role_required

ACCOUNT_ROWS = 8


class AccountLineForm(Form):
    class Meta:
        csrf = False

    item = StringField(_l("品目"), validators=[Optional(), Length(max=update_rules.MAX_ITEM_CHARS)])
    amount_yen = IntegerField(
        _l("金額（円）"), validators=[Optional(), NumberRange(min=1, max=update_rules.MAX_LINE_YEN)]
    )


class UpdateForm(Form):
    title = StringField(
        _l("タイトル"), validators=[DataRequired(), Length(max=update_rules.MAX_TITLE_CHARS)]
    )
    body = TextAreaField(
        _l("本文（Markdown）"),
        validators=[DataRequired(), Length(max=update_rules.MAX_BODY_CHARS)],
    )
    image = FileField(
        _l("写真（任意・JPEG・PNG・WebP、8MBまで）"),
        validators=[FileAllowed(["jpg", "jpeg", "png", "webp"])],
    )
    image_alt = StringField(
        _l("写真の説明（読み上げ用）"), validators=[Optional(), Length(max=200)]
    )
    is_final = BooleanField(_l("最終報告として投稿する（補助金の使途を添えます）"))
    accounts = FieldList(
        FormField(AccountLineForm), min_entries=ACCOUNT_ROWS, max_entries=ACCOUNT_ROWS
    )

    def account_lines(self) -> list[AccountLine]:
        """The rows filled in (an item or an amount), in order."""
        lines = []
        for row in self.accounts:
            item, amount = row.item.data or "", row.amount_yen.data
            if item.strip() or amount is not None:
                lines.append(AccountLine(item=item, amount_yen=amount if amount is not None else 0))
        return lines


class ReplyForm(Form):
    reply = TextAreaField(
        _l("返信"), validators=[DataRequired(), Length(max=cheer.MAX_REPLY_CHARS)]
    )


def _errors_onto(form: UpdateForm, exc: ServiceError) -> None:
    for name, message in translated_fields(exc.fields).items():
        parts = name.split(".")
        if parts[0] == "accounts" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(form.accounts.entries):
                field = getattr(form.accounts.entries[index].form, parts[2])
                field.errors = [*field.errors, message]
                continue
        field = getattr(form, "is_final" if name == "accounts" else parts[0], None)
        if field is not None:
            field.errors = [*field.errors, message]
    flash(translated(exc.message), "error")


@role_required("business")
def updates_page(project_id: int) -> ResponseReturnValue:
    page = update_pages.business_page(current_user, project_id)  # the owner, before the body
    request.max_content_length = images.MAX_UPLOAD_BYTES + 1_000_000
    form = UpdateForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            upload = form.image.data
            try:
                updates.post(
                    current_user,
                    project_id,
                    title=form.title.data or "",
                    body=form.body.data or "",
                    is_final=bool(form.is_final.data),
                    accounts=form.account_lines(),
                    image=upload.read() if upload else None,
                    image_alt=form.image_alt.data or "",
                    ip_address=request.remote_addr or "",
                )
            except ServiceError as exc:
                _errors_onto(form, exc)
                status = exc.status
            else:
                flash(
                    gettext("活動報告を公開しました。寄附者へのメールを順に送ります。"), "success"
                )
                return redirect(url_for("business.updates_page", project_id=project_id), 303)
    return (
        render_template(
            "business/updates.html", page=page, form=form, reply_form=ReplyForm(formdata=None)
        ),
        status,
    )


def _acted(project_id: int, act: Callable[[], None], done: str) -> ResponseReturnValue:
    """Do it and say so, or say why not (someone else's message stays a 403/404)."""
    try:
        act()
    except (Conflict, ValidationFailed) as exc:
        flash(translated(exc.message), "error")
    else:
        flash(done, "success")
    return redirect(
        url_for("business.updates_page", project_id=project_id, _anchor="messages"), 303
    )


@role_required("business")
def approve_message(project_id: int, message_id: int) -> ResponseReturnValue:
    return _acted(
        project_id,
        lambda: cheers.approve(current_user, message_id, ip_address=_ip()),
        gettext("応援メッセージを掲載しました。"),
    )


@role_required("business")
def decline_message(project_id: int, message_id: int) -> ResponseReturnValue:
    return _acted(
        project_id,
        lambda: cheers.hide(current_user, message_id, ip_address=_ip()),
        gettext("応援メッセージを掲載しないことにしました。"),
    )


@role_required("business")
def reply_message(project_id: int, message_id: int) -> ResponseReturnValue:
    form = ReplyForm()
    if not form.validate_on_submit():
        message = "; ".join(str(m) for errors in form.errors.values() for m in errors)
        return _acted(project_id, lambda: _refuse(message), "")
    return _acted(
        project_id,
        lambda: cheers.reply(current_user, message_id, form.reply.data or "", ip_address=_ip()),
        gettext("返信を掲載しました。"),
    )


def _refuse(message: str) -> None:
    raise ValidationFailed(message)


def _ip() -> str:
    return request.remote_addr or ""
