"""Staff: subsidy payouts — check and prepare, approve (another staff member), export the Zengin
transfer file, mark a batch paid. Every step goes through services/payouts (audited).

Its URLs are in the staff area's table (web/staff.py).
"""

from __future__ import annotations

from datetime import date

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, DateField, HiddenField, IntegerField
from wtforms.validators import DataRequired, Optional

from furusato.domain import bank_days
from furusato.domain.money import to_jst, utcnow
from furusato.services.errors import ServiceError
from furusato.services.settlement import payout_batches, payouts
from furusato.web.extensions import translated, translated_fields
from furusato.web.forms import Form
from furusato.web.guards import role_required


class PrepareForm(Form):
    confirmed_amount_yen = IntegerField(
        _l("確認した支払額（円）"), validators=[Optional()], render_kw={"inputmode": "numeric"}
    )
    account_checked = BooleanField(_l("振込先の金融機関・支店・口座番号・名義を確認した"))
    # The fingerprint of the account the page showed: preparing attests that account only.
    account_digest = HiddenField()


class ApproveForm(Form):
    pass


class ExportForm(Form):
    transfer_date = DateField(_l("振込指定日"), validators=[DataRequired()])


class PaidForm(Form):
    paid_on = DateField(_l("振込完了日"), validators=[DataRequired()])


def _today() -> date:
    return to_jst(utcnow()).date()


@role_required("staff")
def payouts_list() -> ResponseReturnValue:
    page = payout_batches.payouts_page()
    return render_template(
        "staff/payouts.html",
        payouts=page.payouts,
        batches=page.batches,
        export_form=ExportForm(transfer_date=bank_days.next_business_day(_today())),
        paid_form=PaidForm(paid_on=_today()),
    )


def _detail(payout_id: int, prepare_form: PrepareForm | None = None) -> str:
    payout = payouts.get(payout_id)
    form = prepare_form or PrepareForm()
    form.account_digest.data = payout.account_digest  # the account this page shows
    return render_template(
        "staff/payout.html", payout=payout, prepare_form=form, approve_form=ApproveForm()
    )


@role_required("staff")
def payout_detail(payout_id: int) -> ResponseReturnValue:
    return _detail(payout_id)


@role_required("staff")
def payout_prepare(payout_id: int) -> ResponseReturnValue:
    form = PrepareForm()
    if not form.validate_on_submit():
        return _detail(payout_id, form), 400
    try:
        payouts.prepare(
            payout_id,
            current_user,
            confirmed_amount_yen=form.confirmed_amount_yen.data,
            account_checked=bool(form.account_checked.data),
            account_digest=form.account_digest.data or None,
            ip_address=request.remote_addr or "",
        )
    except ServiceError as exc:
        for name, message in translated_fields(exc.fields).items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*field.errors, message]
        flash(translated(exc.message), "error")
        return _detail(payout_id, form), exc.status
    flash(_("支払いを準備済みにしました。別の職員が承認します。"), "success")
    return redirect(url_for("staff.payout_detail", payout_id=payout_id))


@role_required("staff")
def payout_approve(payout_id: int) -> ResponseReturnValue:
    if not ApproveForm().validate_on_submit():
        return _detail(payout_id), 400
    try:
        payouts.approve(payout_id, current_user, ip_address=request.remote_addr or "")
    except ServiceError as exc:
        flash(translated(exc.message), "error")
        return _detail(payout_id), exc.status
    flash(_("支払いを承認しました。"), "success")
    return redirect(url_for("staff.payout_detail", payout_id=payout_id))


@role_required("staff")
def payouts_export() -> ResponseReturnValue:
    form = ExportForm()
    if not form.validate_on_submit() or form.transfer_date.data is None:
        flash(_("振込指定日を入力してください。"), "error")
        return redirect(url_for("staff.payouts_list"))
    try:
        batch_id = payouts.export(
            current_user, form.transfer_date.data, ip_address=request.remote_addr or ""
        )
    except ServiceError as exc:
        flash(translated(exc.message), "error")
        return redirect(url_for("staff.payouts_list"))
    flash(_("振込データ %(id)s を作成しました。", id=batch_id), "success")
    return redirect(url_for("staff.payouts_list"))


@role_required("staff")
def payout_batch_zengin(batch_id: int) -> ResponseReturnValue:
    return Response(
        payout_batches.batch_file(batch_id),
        content_type="text/plain; charset=shift_jis",
        headers={"Content-Disposition": f'attachment; filename="furikomi-{batch_id}.txt"'},
    )


@role_required("staff")
def payout_batch_csv(batch_id: int) -> ResponseReturnValue:
    return Response(
        payout_batches.batch_csv(batch_id),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="payouts-{batch_id}.csv"'},
    )


@role_required("staff")
def payout_batch_paid(batch_id: int) -> ResponseReturnValue:
    form = PaidForm()
    if not form.validate_on_submit() or form.paid_on.data is None:
        flash(_("振込完了日を入力してください。"), "error")
        return redirect(url_for("staff.payouts_list"))
    try:
        payouts.mark_paid(
            batch_id, current_user, form.paid_on.data, ip_address=request.remote_addr or ""
        )
    except ServiceError as exc:
        flash(translated(exc.message), "error")
    else:
        flash(_("振込データ %(id)s を支払済みにしました。", id=batch_id), "success")
    return redirect(url_for("staff.payouts_list"))
