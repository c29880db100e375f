"""Staff: look at a receipt and correct it (void + re-issue with a new number, audited).

Its URLs are in the staff area's table (web/staff.py).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from furusato.services.errors import ServiceError
from furusato.services.fulfilment import receipts
from furusato.web.extensions import translated
from furusato.web.forms import Form
from furusato.web.guards import role_required


class CorrectForm(Form):
    reason = StringField(_l("訂正の理由"), validators=[DataRequired(), Length(max=200)])
    donor_name = StringField(_l("氏名（訂正後）"), validators=[Optional(), Length(max=100)])
    postal_code = StringField(_l("郵便番号（訂正後）"), validators=[Optional(), Length(max=8)])
    address = StringField(_l("住所（訂正後）"), validators=[Optional(), Length(max=300)])


@role_required("staff")
def receipt_detail(receipt_id: int) -> ResponseReturnValue:
    return render_template(
        "staff/receipt.html", receipt=receipts.view(receipt_id), form=CorrectForm(formdata=None)
    )


@role_required("staff")
def receipt_correct(receipt_id: int) -> ResponseReturnValue:
    form = CorrectForm()
    if form.validate_on_submit():
        try:
            new_id = receipts.correct(
                current_user,
                receipt_id,
                reason=form.reason.data or "",
                donor_name=form.donor_name.data,
                postal_code=form.postal_code.data,
                address=form.address.data,
                ip_address=request.remote_addr or "",
            )
        except ServiceError as exc:
            flash(translated(exc.message), "error")
        else:
            flash(_("旧証明書を無効にし、新しい証明書を発行しました。"), "success")
            return redirect(url_for("staff.receipt_detail", receipt_id=new_id))
    return render_template("staff/receipt.html", receipt=receipts.view(receipt_id), form=form), 422
