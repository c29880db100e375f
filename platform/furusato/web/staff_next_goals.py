"""Staff decide on next goals (ネクストゴール): the proposals waiting, one proposal with the
rules report of its new tiers, approve with a note or reject with a reason.

Its URLs are in the staff area's table (web/staff.py).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from furusato.domain.local_products import label as local_label
from furusato.domain.states import NextGoalStatus
from furusato.services.campaigns import next_goal_review, next_goals
from furusato.services.errors import ServiceError
from furusato.web.extensions import translated
from furusato.web.guards import role_required
from furusato.web.project_forms import NoteForm, ReasonForm


def _ip() -> str:
    return request.remote_addr or ""


@role_required("staff")
def next_goals_list() -> ResponseReturnValue:
    status = request.args.get("status", NextGoalStatus.PROPOSED)
    if status not in {str(s) for s in NextGoalStatus} | {"all"}:
        status = NextGoalStatus.PROPOSED
    items = next_goals.queue(None if status == "all" else status)
    return render_template(
        "staff/next_goals.html", items=items, status=status, statuses=list(NextGoalStatus)
    )


def _page(goal_id: int, status: int = 200, **forms: object) -> ResponseReturnValue:
    context = {
        "goal": next_goals.view(current_user, goal_id),
        "approve_form": NoteForm(),
        "reject_form": ReasonForm(),
        "local_label": local_label,
    }
    context.update(forms)
    return render_template("staff/next_goal.html", **context), status


@role_required("staff")
def next_goal_page(goal_id: int) -> ResponseReturnValue:
    return _page(goal_id)


@role_required("staff")
def approve_next_goal(goal_id: int) -> ResponseReturnValue:
    form = NoteForm()
    if not form.validate_on_submit():
        return _page(goal_id, 400, approve_form=form)
    try:
        next_goal_review.approve(current_user, goal_id, form.note.data or "", ip_address=_ip())
    except ServiceError as exc:
        flash(translated(exc.message), "error")
        return _page(goal_id, exc.status)
    flash(gettext("ネクストゴールを承認しました。プロジェクトページに表示されます。"), "success")
    return redirect(url_for("staff.next_goals_list"))


@role_required("staff")
def reject_next_goal(goal_id: int) -> ResponseReturnValue:
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(gettext("却下の理由を入力してください。"), "error")
        return _page(goal_id, 422, reject_form=form)
    try:
        next_goal_review.reject(current_user, goal_id, form.reason.data or "", ip_address=_ip())
    except ServiceError as exc:
        flash(translated(exc.message), "error")
        return _page(goal_id, exc.status)
    flash(gettext("却下しました。理由は事業者にメールで伝わります。"), "success")
    return redirect(url_for("staff.next_goals_list"))
