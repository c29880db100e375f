"""The donor's own pages: donations, receipts, shipments.

This module holds the blueprint and its URL table; the document views are in
donor_documents.py, registered here.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from furusato.services.giving import donation_views
from furusato.web import donor_documents
from furusato.web.guards import role_required
from furusato.web.urls import GET, add_routes

bp = Blueprint("donor", __name__)


@role_required("donor")
def dashboard() -> ResponseReturnValue:
    rows = donation_views.for_donor_page(int(current_user.id))
    return render_template("donor/dashboard.html", rows=rows)


# fmt: off
add_routes(bp, [
    ("/me", dashboard, GET),
    ("/donations/<int:donation_id>/receipt.pdf", donor_documents.receipt_pdf, GET),
    ("/donations/<int:donation_id>/onestop-form.pdf", donor_documents.onestop_form_pdf, GET),
    ("/me/receipts", donor_documents.my_receipts, GET),
    ("/me/receipts/<int:year>.pdf", donor_documents.annual_summary, GET),
])
# fmt: on
