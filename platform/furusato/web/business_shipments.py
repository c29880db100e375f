"""The business's shipping work: the list per tier and month, CSV for the carrier, marking sent.

Its URLs are in the business area's table (web/business.py).
"""

from __future__ import annotations

from datetime import date

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from furusato.services.errors import ValidationFailed
from furusato.services.fulfilment import shipments, shipping_csv
from furusato.web.extensions import translated
from furusato.web.forms import Form
from furusato.web.guards import role_required
from furusato.web.numbers import INT32_MAX, query_int


class SentForm(Form):
    carrier = StringField(_l("運送会社"), validators=[DataRequired(), Length(max=40)])
    tracking_number = StringField(_l("伝票番号"), validators=[DataRequired(), Length(max=40)])


class UploadForm(Form):
    file = FileField(
        _l("運送会社のCSV（お客様管理番号・伝票番号の列）"), validators=[FileRequired()]
    )
    default_carrier = StringField(_l("運送会社（CSVに列がない場合）"), validators=[Length(max=40)])


def _filters() -> tuple[int | None, date | None]:
    tier_id = query_int("tier", low=1, high=INT32_MAX)
    month_raw = request.args.get("month", "")
    try:
        month = date.fromisoformat(f"{month_raw}-01") if month_raw else None
    except ValueError:
        month = None
    return tier_id, month


@role_required("business", "staff")
def shipments_page(project_id: int) -> ResponseReturnValue:
    tier_id, month = _filters()
    if request.args.get("format") == "csv":
        encoding = "cp932" if request.args.get("encoding") == "cp932" else "utf-8"
        data, substitutions = shipments.export_csv(
            current_user, project_id, encoding=encoding, tier_id=tier_id, month=month
        )
        suffix = "sjis" if encoding == "cp932" else "utf8"
        # The charset of the bytes: a `mimetype` would make it utf-8 whatever they are.
        charset = "Shift_JIS" if encoding == "cp932" else "utf-8"
        return Response(
            data,
            content_type=f"text/csv; charset={charset}",
            headers={
                "Content-Disposition": f'attachment; filename="shipments-{project_id}-{suffix}.csv"',
                "X-Substituted-Characters": str(len(substitutions)),
                "Cache-Control": "private, no-store",
            },
        )
    listing = shipments.shipping_list(current_user, project_id, tier_id=tier_id, month=month)
    return render_template(
        "business/shipments.html",
        listing=listing,
        tier_id=tier_id,
        month=month,
        sent_form=SentForm(),
        upload_form=UploadForm(),
        cp932_issues=shipping_csv.unencodable(listing.csv_rows()),
        report=None,
    )


@role_required("business", "staff")
def mark_sent(project_id: int, shipment_id: int) -> ResponseReturnValue:
    form = SentForm()
    if not form.validate_on_submit():
        flash(_("運送会社と伝票番号を入力してください。"), "error")
    else:
        try:
            shipments.mark_sent(
                current_user,
                shipment_id,
                carrier=form.carrier.data or "",
                tracking_number=form.tracking_number.data or "",
                ip_address=request.remote_addr or "",
            )
            flash(_("発送済みにしました。寄附者にメールでお知らせします。"), "success")
        except ValidationFailed as exc:
            flash(translated(exc.message), "error")
    return redirect(url_for("business.shipments_page", project_id=project_id))


@role_required("business", "staff")
def upload_sent(project_id: int) -> ResponseReturnValue:
    form = UploadForm()
    listing = shipments.shipping_list(current_user, project_id)
    report = None
    if form.validate_on_submit():
        report = shipments.import_sent(
            current_user,
            project_id,
            form.file.data.read(),
            default_carrier=form.default_carrier.data or "",
            ip_address=request.remote_addr or "",
        )
        if report.ok:
            flash(_("%(n)s件を発送済みにしました。", n=len(report.applied)), "success")
            return redirect(url_for("business.shipments_page", project_id=project_id))
    status = 422 if report is not None or form.errors else 200
    return (
        render_template(
            "business/shipments.html",
            listing=listing,
            tier_id=None,
            month=None,
            sent_form=SentForm(formdata=None),
            upload_form=form,
            cp932_issues=shipping_csv.unencodable(listing.csv_rows()),
            report=report,
        ),
        status,
    )
