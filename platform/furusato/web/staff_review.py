"""Staff review: the queue (oldest first), the review page with the rules report and the diff
since the last submission, approve / reject with reasons, and pause / resume of campaigns.

Its URLs are in the staff area's table (web/staff.py).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from furusato.domain.local_products import label as local_label
from furusato.domain.states import CampaignStatus
from furusato.services.campaigns import review
from furusato.services.errors import ServiceError
from furusato.web.extensions import translated
from furusato.web.guards import role_required
from furusato.web.project_forms import EmptyForm, NoteForm, RateForm, ReasonForm


def _ip() -> str:
    return request.remote_addr or ""


@role_required("staff")
def review_queue() -> ResponseReturnValue:
    return render_template("staff/review_queue.html", items=review.queue())


def _review_page(project_id: int, status: int = 200, **forms: object) -> ResponseReturnValue:
    report = review.report(current_user, project_id)
    rate_form = RateForm(subsidy_rate_percent=report.project.subsidy_rate_percent)
    context = {
        "report": report,
        "project": report.project,
        "approve_form": NoteForm(),
        "reject_form": ReasonForm(),
        "rate_form": rate_form,
        "local_label": local_label,
    }
    context.update(forms)
    return render_template("staff/review.html", **context), status


@role_required("staff")
def review_project(project_id: int) -> ResponseReturnValue:
    return _review_page(project_id)


@role_required("staff")
def approve_project(project_id: int) -> ResponseReturnValue:
    form = NoteForm()
    if form.validate_on_submit():
        try:
            review.approve(current_user, project_id, form.note.data or "", ip_address=_ip())
        except ServiceError as exc:
            flash(translated(exc.message), "error")
            return _review_page(project_id, exc.status)
        flash(gettext("採択しました。開始日時に公開されます。"), "success")
        return redirect(url_for("staff.review_queue"))
    return _review_page(project_id, 400, approve_form=form)


@role_required("staff")
def reject_project(project_id: int) -> ResponseReturnValue:
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            review.reject(current_user, project_id, form.reason.data or "", ip_address=_ip())
        except ServiceError as exc:
            flash(translated(exc.message), "error")
            return _review_page(project_id, exc.status)
        flash(gettext("差し戻しました。理由は事業者に表示されます。"), "success")
        return redirect(url_for("staff.review_queue"))
    flash(gettext("差し戻しの理由を入力してください。"), "error")
    return _review_page(project_id, 422, reject_form=form)


@role_required("staff")
def set_rate(project_id: int) -> ResponseReturnValue:
    form = RateForm()
    if form.validate_on_submit() and form.subsidy_rate_percent.data is not None:
        try:
            review.set_subsidy_rate(
                current_user, project_id, form.subsidy_rate_percent.data, ip_address=_ip()
            )
        except ServiceError as exc:
            flash(translated(exc.message), "error")
        else:
            flash(gettext("補助率を変更しました。目標額と上限額を再計算しました。"), "success")
    else:
        flash(gettext("補助率は1〜100の整数で入力してください。"), "error")
    return redirect(url_for("staff.review_project", project_id=project_id))


@role_required("staff")
def campaigns() -> ResponseReturnValue:
    status = request.args.get("status") or None
    if status not in {str(s) for s in CampaignStatus}:
        status = None
    return render_template(
        "staff/campaigns.html",
        items=review.campaigns(status),
        status=status,
        statuses=[s for s in CampaignStatus if s not in ("draft", "submitted")],
        pause_form=ReasonForm(),
        button=EmptyForm(),
    )


@role_required("staff")
def pause_campaign(project_id: int) -> ResponseReturnValue:
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(gettext("一時停止の理由を入力してください。寄附者に表示されます。"), "error")
    else:
        try:
            review.pause(current_user, project_id, form.reason.data or "", ip_address=_ip())
        except ServiceError as exc:
            flash(translated(exc.message), "error")
        else:
            flash(gettext("一時停止しました。"), "success")
    return redirect(url_for("staff.campaigns"))


@role_required("staff")
def resume_campaign(project_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        try:
            review.resume(current_user, project_id, ip_address=_ip())
        except ServiceError as exc:
            flash(translated(exc.message), "error")
        else:
            flash(gettext("再開しました。"), "success")
    return redirect(url_for("staff.campaigns"))
