"""Staff: settlement progress (done / remaining / failed per campaign), retry of failed
donations, reports per fiscal year with a chart and CSV, and the gateway reconciliation.

Its URLs are in the staff area's table (web/staff.py).
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from furusato.domain.money import to_jst, utcnow
from furusato.domain.settlement import fiscal_year
from furusato.services.errors import ServiceError
from furusato.services.settlement import closing, overview, reports
from furusato.web.extensions import translated
from furusato.web.forms import Form
from furusato.web.guards import role_required
from furusato.web.numbers import FIRST_YEAR, LAST_YEAR, query_int


class ActionForm(Form):
    pass


@role_required("staff")
def settlements() -> ResponseReturnValue:
    page = overview.page()
    return render_template(
        "staff/settlements.html",
        campaigns=page.campaigns,
        reconciliations=page.reconciliations,
        form=ActionForm(),
    )


@role_required("staff")
def settlement_retry(project_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        try:
            n = closing.retry_failed(project_id, current_user, request.remote_addr or "")
        except ServiceError as exc:
            flash(translated(exc.message), "error")
        else:
            flash(_("失敗した %(n)s 件を再実行に回しました。", n=n), "success")
    return redirect(url_for("staff.settlements"))


@role_required("staff")
def settlement_reconcile(project_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        try:
            queued = overview.request_reconciliation(project_id, current_user.id)
        except ServiceError as exc:
            flash(translated(exc.message), "error")
        else:
            flash(
                _("照合を依頼しました。結果はこのページに表示されます。")
                if queued
                else _("照合しました。"),
                "success",
            )
    return redirect(request.referrer or url_for("staff.settlements"))


def _year() -> int:
    return query_int("fy", low=FIRST_YEAR, high=LAST_YEAR, default=fiscal_year(utcnow()))


@role_required("staff")
def reports_page() -> ResponseReturnValue:
    page = reports.year_page(_year())
    scale = max([f.donations_yen for f in page.report.campaigns] + [1])
    return render_template(
        "staff/reports.html",
        report=page.report,
        ratio=page.ratio,
        years=page.years,
        scale=scale,
        limit_bp=reports.RULE_LIMIT_BP,
        reconciliations=page.reconciliations,
        form=ActionForm(),
        today=to_jst(utcnow()).date(),
    )


@role_required("staff")
def reports_csv(year: int) -> ResponseReturnValue:
    report = reports.fiscal_year(year)
    return Response(
        reports.to_csv([*report.campaigns, report.total]),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="report-fy{year}.csv"'},
    )


@role_required("staff")
def report_campaign_csv(project_id: int) -> ResponseReturnValue:
    return Response(
        reports.to_csv([reports.campaign(project_id)]),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="report-project-{project_id}.csv"'},
    )
