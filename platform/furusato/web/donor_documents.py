"""Donation documents: the receipt and one-stop form PDFs, the donor's receipts and annual summary.

The PDF routes are public on purpose: a guest opens them with the `?t=` link from their mail;
the service decides who may see a donation (owner, link holder, staff) and refuses the rest.

Its URLs are in the donor area's table (web/donor.py).
"""

from __future__ import annotations

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from furusato.services.accounts import User
from furusato.services.fulfilment import documents
from furusato.web.guards import public, role_required


def pdf_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def viewer() -> User | None:
    return current_user if current_user.is_authenticated else None


@public
def receipt_pdf(donation_id: int) -> ResponseReturnValue:
    data = documents.receipt_pdf(donation_id, viewer(), request.args.get("t"))
    return pdf_response(data, f"receipt-{donation_id}.pdf")


@public
def onestop_form_pdf(donation_id: int) -> ResponseReturnValue:
    data = documents.onestop_form_pdf_for(donation_id, viewer(), request.args.get("t"))
    return pdf_response(data, f"onestop-application-{donation_id}.pdf")


@role_required("donor")
def my_receipts() -> ResponseReturnValue:
    lines = documents.receipts_of(current_user.id)
    years = sorted({line.year for line in lines}, reverse=True)
    return render_template("donor/receipts.html", lines=lines, years=years)


@role_required("donor")
def annual_summary(year: int) -> ResponseReturnValue:
    data = documents.annual_summary_pdf(current_user, year)
    return pdf_response(data, f"donations-{year}-summary.pdf")
