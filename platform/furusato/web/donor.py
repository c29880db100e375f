"""The donor's own pages: donations, receipts, shipments.

This module holds the blueprint and its URL table; the document views are in
donor_documents.py, registered here.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField

from furusato.services.fulfilment import onestop_reminders
from furusato.services.giving import donation_views
from furusato.web import donor_documents
from furusato.web.forms import Form
from furusato.web.guards import role_required
from furusato.web.urls import GET, POST, add_routes

bp = Blueprint("donor", __name__)


@role_required("donor")
def dashboard() -> ResponseReturnValue:
    rows = donation_views.for_donor_page(int(current_user.id))
    return render_template("donor/dashboard.html", rows=rows)


class RemindForm(Form):
    remind = BooleanField(_l("申請書類が届くまで、期限前にお知らせメールを受け取る"))


@role_required("donor")
def onestop() -> ResponseReturnValue:
    page = onestop_reminders.for_donor(int(current_user.id))
    form = RemindForm(data={"remind": page.remind})
    return render_template("donor/onestop.html", page=page, form=form)


@role_required("donor")
def onestop_reminders_setting() -> ResponseReturnValue:
    form = RemindForm()
    if form.validate_on_submit():
        onestop_reminders.set_reminders(int(current_user.id), bool(form.remind.data))
        flash(_("お知らせの設定を保存しました。"), "success")
    return redirect(url_for("donor.onestop"))


# fmt: off
add_routes(bp, [
    ("/me", dashboard, GET),
    ("/me/onestop", onestop, GET),
    ("/me/onestop/reminders", onestop_reminders_setting, POST),
    ("/donations/<int:donation_id>/receipt.pdf", donor_documents.receipt_pdf, GET),
    ("/donations/<int:donation_id>/onestop-form.pdf", donor_documents.onestop_form_pdf, GET),
    ("/me/receipts", donor_documents.my_receipts, GET),
    ("/me/receipts/<int:year>.pdf", donor_documents.annual_summary, GET),
])
# fmt: on
