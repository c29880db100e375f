"""The business's next goal (ネクストゴール) page and the gift options it offers donors.

Its URLs are in the business area's table (web/business.py).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from furusato.services.campaigns import next_goals
from furusato.services.errors import ServiceError
from furusato.services.fulfilment import gift_options
from furusato.web.extensions import translated, translated_fields
from furusato.web.forms import Form
from furusato.web.guards import role_required
from furusato.web.project_forms import GiftOptionsForm, NextGoalForm, TierForm


def _put_errors(forms: dict[str, Form], exc: ServiceError) -> None:
    """A refusal's field errors next to their fields: `tiers.0.<field>` on the tier's form,
    any other name on the main form; the message as a flash."""
    for name, message in translated_fields(exc.fields).items():
        form = forms["tier"] if name.startswith("tiers.") else forms["main"]
        field = getattr(form, name.split(".")[-1], None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
    flash(translated(exc.message), "error")


@role_required("business")
def next_goal(project_id: int) -> ResponseReturnValue:
    form = NextGoalForm()
    tier_form = TierForm(prefix="tier", meta={"csrf": False})
    status = 200
    if request.method == "POST":
        status = 422
        with_tier = bool(form.add_tier.data)
        if form.validate_on_submit() and (not with_tier or tier_form.validate()):
            try:
                next_goals.propose(
                    current_user,
                    project_id,
                    amount_yen=form.amount_yen.data or 0,
                    reason=form.reason.data or "",
                    new_tiers=[tier_form.values()] if with_tier else [],
                    ip_address=request.remote_addr or "",
                )
            except ServiceError as exc:
                _put_errors({"main": form, "tier": tier_form}, exc)
                status = exc.status
            else:
                flash(
                    gettext("ネクストゴールを提案しました。市の判断はメールでお知らせします。"),
                    "success",
                )
                return redirect(url_for("business.next_goal", project_id=project_id))
    page = next_goals.page(current_user, project_id)
    return (
        render_template("business/next_goal.html", page=page, form=form, tier_form=tier_form),
        status,
    )


@role_required("business")
def gift_settings() -> ResponseReturnValue:
    form = GiftOptionsForm()
    if request.method == "GET":
        form.fill(gift_options.current(current_user))
    elif form.validate_on_submit():
        try:
            gift_options.update(current_user, form.offer())
        except ServiceError as exc:
            _put_errors({"main": form, "tier": form}, exc)
        else:
            flash(gettext("返礼品の配送とギフトの設定を保存しました。"), "success")
            return redirect(url_for("business.dashboard"))
    return render_template("business/gift_options.html", form=form)
