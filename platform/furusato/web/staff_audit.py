"""The audit-log browser: who did what to which record, filtered by actor, action, target, date.

Its URLs are in the staff area's table (web/staff.py).
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from furusato.services import audit_log
from furusato.web.forms import Form
from furusato.web.guards import role_required
from furusato.web.numbers import MAX_PAGE, query_int


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET search form changes nothing

    actor = StringField(_l("操作した人（メールの一部）"), validators=[Optional(), Length(max=254)])
    action = SelectField(_l("操作"), validators=[Optional()])
    target_type = StringField(
        _l("対象の種類（project など）"), validators=[Optional(), Length(max=40)]
    )
    target_id = StringField(_l("対象のID"), validators=[Optional(), Length(max=40)])
    date_from = DateField(_l("開始日"), validators=[Optional()])
    date_to = DateField(_l("終了日"), validators=[Optional()])


@role_required("staff")
def audit() -> ResponseReturnValue:
    form = AuditFilterForm(request.args)
    actions = audit_log.actions()
    form.action.choices = [SelectChoice("", _l("すべて"))] + [SelectChoice(a, a) for a in actions]
    valid = form.validate()
    flt = audit_log.AuditFilter()
    if valid:
        flt = audit_log.AuditFilter(
            actor=(form.actor.data or "").strip(),
            action=form.action.data or "",
            target_type=(form.target_type.data or "").strip(),
            target_id=(form.target_id.data or "").strip(),
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
    page = query_int("page", low=1, high=MAX_PAGE, default=1)
    result = audit_log.search(current_user, flt, page)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("staff/audit.html", form=form, result=result, args=args)
