"""Staff pages: a fiscal year's actual costs (現況調査 categories) and their CSV.

Its URLs are in the staff area's table (web/staff.py).
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from furusato.services.errors import ValidationFailed
from furusato.services.settlement import cost_survey
from furusato.web.extensions import translated
from furusato.web.forms import Form
from furusato.web.guards import role_required


class CostsForm(Form):
    """CSRF only: the amounts and notes are one pair of fields per category, read by name."""


def _render(year: int, form: CostsForm, values: dict[str, str], errors: dict[str, str]) -> str:
    return render_template(
        "staff/costs.html",
        page=cost_survey.page(year),
        form=form,
        values=values,
        errors=errors,
    )


@role_required("staff")
def costs_page(year: int) -> ResponseReturnValue:
    return _render(year, CostsForm(), {}, {})


@role_required("staff")
def costs_record(year: int) -> ResponseReturnValue:
    form = CostsForm()
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if form.validate_on_submit():
        try:
            changed = cost_survey.record(
                current_user,
                year,
                {k.removeprefix("amount_"): v for k, v in values.items() if k.startswith("amount_")},
                {k.removeprefix("note_"): v for k, v in values.items() if k.startswith("note_")},
                ip_address=request.remote_addr or "",
            )
        except ValidationFailed as exc:
            flash(translated(exc.message), "error")
            return _render(year, form, values, exc.fields), 422
        flash(_("%(n)s件の費用を記録しました。", n=changed), "success")
        return redirect(url_for("staff.costs_page", year=year))
    return _render(year, form, values, {}), 422


@role_required("staff")
def costs_csv(year: int) -> ResponseReturnValue:
    return Response(
        cost_survey.survey_csv(year),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="genkyo-costs-fy{year}.csv"'},
    )
