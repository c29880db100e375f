"""The donor's own pages: donations, receipts, shipments, followed campaigns and reminders.

This module holds the blueprint and its URL table; the document views are in
donor_documents.py, following and the reminder settings in donor_follows.py, registered here.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField

from furusato.services.following import reminder_settings
from furusato.services.following.my_page import my_page
from furusato.services.following.reminder_settings import Change
from furusato.services.fulfilment import onestop_reminders
from furusato.web import donor_documents, donor_follows
from furusato.web.forms import Form
from furusato.web.guards import role_required
from furusato.web.public_catalog import category_label
from furusato.web.urls import GET, GET_POST, POST, add_routes

bp = Blueprint("donor", __name__)


@role_required("donor")
def dashboard() -> ResponseReturnValue:
    page = my_page(int(current_user.id))
    return render_template(
        "donor/dashboard.html",
        rows=page.rows,
        followed=page.followed,
        category_label=category_label,
    )


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
        reminder_settings.update(
            int(current_user.id), Change(remind_onestop=bool(form.remind.data))
        )
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
    ("/me/reminders", donor_follows.reminders, GET_POST),
    ("/projects/<int:project_id>/follow", donor_follows.follow, POST),
    ("/projects/<int:project_id>/unfollow", donor_follows.unfollow, POST),
])
# fmt: on
