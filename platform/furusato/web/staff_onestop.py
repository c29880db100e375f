"""Staff: one-stop applications — record received forms and changes, reveal (audited), export
the notices to residence municipalities as a zip encrypted with a password the staff member
types for that export, and record the day the notices were posted. Revealing and exporting
are for 個人番号事務取扱担当者 only.

Its URLs are in the staff area's table (web/staff.py).
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from furusato.domain.money import to_jst, utcnow
from furusato.domain.onestop import application_deadline
from furusato.services.errors import Conflict, ValidationFailed
from furusato.services.fulfilment import (
    onestop,
    onestop_board,
    onestop_changes,
    onestop_export,
    onestop_notices,
)
from furusato.web.extensions import translated
from furusato.web.forms import Form
from furusato.web.guards import mynumber_officer_required, role_required
from furusato.web.numbers import FIRST_YEAR, LAST_YEAR, bounded_int, query_int


class RecordForm(Form):
    received_on = DateField(_l("受付日（申請書が届いた日）"), validators=[DataRequired()])
    # A password input: the number is not echoed back into the page or the browser's autofill.
    my_number = PasswordField(_l("個人番号（12桁）"), validators=[Optional(), Length(max=20)])
    id_checked = BooleanField(_l("本人確認書類・番号確認書類を確認した"))


class ChangeForm(Form):
    received_on = DateField(_l("変更届の受付日"), validators=[DataRequired()])
    name = StringField(_l("氏名"), validators=[Optional(), Length(max=100)])
    name_kana = StringField(_l("フリガナ"), validators=[Optional(), Length(max=100)])
    postal_code = StringField(_l("郵便番号"), validators=[Optional(), Length(max=8)])
    address = StringField(_l("住所"), validators=[Optional(), Length(max=300)])
    residence_municipality_code = StringField(
        _l("住所地の市区町村コード"), validators=[Optional(), Length(max=6)]
    )


class RevealForm(Form):
    reason = StringField(_l("表示する理由"), validators=[DataRequired(), Length(max=200)])


class ExportForm(Form):
    year = HiddenField()
    # Typed for this one export and never stored: the zip is encrypted with it (AES-256).
    password = PasswordField(_l("ZIPのパスワード（12文字以上の半角英数字・記号）"))


class SentForm(Form):
    year = HiddenField()
    municipalities = SelectMultipleField(_l("送付した市区町村"), choices=[], validate_choice=False)
    sent_on = DateField(_l("送付日（実際に発送した日）"), validators=[DataRequired()])


def _default_year() -> int:
    today = to_jst(utcnow()).date()
    return today.year - 1 if today <= application_deadline(today.year - 1) else today.year


@role_required("staff")
def onestop_list() -> ResponseReturnValue:
    year = query_int("year", low=FIRST_YEAR, high=LAST_YEAR) or _default_year()
    status = request.args.get("status") or None
    page = onestop_board.year_page(year, status)
    return render_template(
        "staff/onestop.html",
        year=year,
        status=status,
        page=page,
        export_form=ExportForm(year=str(year)),
        sent_form=SentForm(year=str(year), formdata=None),
    )


def _detail(application_id: int, **extra: object) -> str:
    view = onestop.get_view(application_id)
    return render_template(
        "staff/onestop_application.html",
        app=view,
        record_form=extra.pop("record_form", None) or RecordForm(),
        change_form=extra.pop("change_form", None) or ChangeForm(),
        reveal_form=RevealForm(formdata=None),
        **extra,
    )


@role_required("staff")
def onestop_application(application_id: int) -> ResponseReturnValue:
    return _detail(application_id)


@role_required("staff")
def onestop_record(application_id: int) -> ResponseReturnValue:
    form = RecordForm()
    if form.validate_on_submit():
        try:
            result = onestop.record_form(
                current_user,
                application_id,
                received_on=form.received_on.data,
                my_number=form.my_number.data or "",
                id_checked=bool(form.id_checked.data),
                ip_address=request.remote_addr or "",
            )
        except (ValidationFailed, Conflict) as exc:
            form.my_number.data = ""
            flash(translated(exc.message), "error")
            return _detail(application_id, record_form=form), exc.status
        if result.status == "late":
            flash(_("期限後に届いたため「期限後」として記録し、寄附者に通知しました。"), "error")
        else:
            flash(_("受け付けました。"), "success")
        return redirect(url_for("staff.onestop_application", application_id=application_id))
    return _detail(application_id, record_form=form), 422


@role_required("staff")
def onestop_change(application_id: int) -> ResponseReturnValue:
    form = ChangeForm()
    if form.validate_on_submit():
        changes = {k: getattr(form, k).data or "" for k in onestop_changes.CHANGEABLE}
        try:
            changed = onestop_changes.record_change(
                current_user,
                application_id,
                received_on=form.received_on.data,
                changes=changes,
                ip_address=request.remote_addr or "",
            )
        except (ValidationFailed, Conflict) as exc:
            flash(translated(exc.message), "error")
            return _detail(application_id, change_form=form), exc.status
        flash(
            _(
                "変更をこの寄附者の%(n)s件の申請に反映しました（送付済みの通知のうち"
                "変更通知が必要になったもの: %(c)s件）。",
                n=changed.applications,
                c=changed.corrections_due,
            ),
            "success",
        )
        if changed.resident:
            flash(
                _(
                    "新しい住所は市内です。市内在住の方には返礼品を送れないため、未発送の"
                    "返礼品%(n)s件を取り消しました。",
                    n=changed.shipments_cancelled,
                ),
                "error",
            )
        return redirect(url_for("staff.onestop_application", application_id=application_id))
    return _detail(application_id, change_form=form), 422


@mynumber_officer_required
def onestop_reveal(application_id: int) -> ResponseReturnValue:
    form = RevealForm()
    if not form.validate_on_submit():
        flash(_("表示する理由を入力してください。"), "error")
        return redirect(url_for("staff.onestop_application", application_id=application_id))
    number = onestop.reveal(
        current_user,
        application_id,
        ip_address=request.remote_addr or "",
        reason=form.reason.data or "",
    )
    page = _detail(application_id, revealed=number)
    return Response(page, headers={"Cache-Control": "no-store"})


@mynumber_officer_required
def onestop_export_zip() -> ResponseReturnValue:
    form = ExportForm()
    if not form.validate_on_submit() or not form.year.data:
        return redirect(url_for("staff.onestop_list"))
    year = bounded_int("year", form.year.data, low=FIRST_YEAR, high=LAST_YEAR)
    try:
        data = onestop_export.export_zip(
            current_user,
            year,
            password=form.password.data or "",
            ip_address=request.remote_addr or "",
        )
    except ValidationFailed as exc:
        flash(translated(exc.message), "error")
        return redirect(url_for("staff.onestop_list", year=year))
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="onestop-notifications-{year}.zip"',
            "Cache-Control": "no-store",
        },
    )


@role_required("staff")
def onestop_notices_sent() -> ResponseReturnValue:
    form = SentForm()
    if not form.year.data:
        return redirect(url_for("staff.onestop_list"))
    year = bounded_int("year", form.year.data, low=FIRST_YEAR, high=LAST_YEAR)
    back = redirect(url_for("staff.onestop_list", year=year))
    if not form.validate_on_submit():
        flash(_("送付日を入力してください。"), "error")
        return back
    try:
        marked = onestop_notices.mark_sent(
            current_user,
            year,
            list(form.municipalities.data or []),
            sent_on=form.sent_on.data,
            ip_address=request.remote_addr or "",
        )
    except (ValidationFailed, Conflict) as exc:
        flash(translated(exc.message), "error")
        return back
    flash(_("%(n)s件の通知を送付済みにしました。", n=marked.sent), "success")
    if marked.not_exported:
        flash(
            _(
                "%(n)s件は出力後に内容が変わったか未出力のため、送付済みにしていません。"
                "出力し直してください。",
                n=marked.not_exported,
            ),
            "error",
        )
    return back
