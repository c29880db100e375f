"""The business's project pages: create and edit drafts, tiers, images, submit, bank account.

Views only translate HTTP into service calls; the services check ownership (403 for another
business's project) and state (a submitted project is frozen).

Its URLs are in the business area's table (web/business.py).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm

from furusato.config import get_settings
from furusato.domain.local_products import label as local_label
from furusato.services.campaigns import (
    business_project,
    images,
    project_images,
    projects,
    tiers,
)
from furusato.services.campaigns.projects import ComplianceFailed
from furusato.services.errors import ServiceError
from furusato.services.settlement import bank
from furusato.web.extensions import check_csrf, csrf, translated, translated_fields
from furusato.web.guards import role_required
from furusato.web.project_forms import BankForm, EmptyForm, ImageForm, ProjectForm, TierForm


def _show_errors(form: FlaskForm, exc: ServiceError) -> None:
    """Put a service's field errors next to the fields; the rest goes to a flash message."""
    for name, message in translated_fields(exc.fields).items():
        field = getattr(form, name.split(".")[-1], None)
        if field is not None and hasattr(field, "errors"):
            errors = list(field.errors)
            errors.append(message)
            field.errors = errors
    flash(translated(exc.message), "error")


def _own(project_id: int) -> Any:
    project = projects.load(current_user, project_id)
    if not projects.is_owner(current_user, project):
        abort(403)
    return project


def _frozen(project: Any) -> ResponseReturnValue | None:
    """A submitted project's edit pages send the business back to the project page."""
    if project.status == "draft":
        return None
    flash(gettext("審査に提出したプロジェクトは編集できません。"), "error")
    return redirect(url_for("business.project", project_id=project.id))


@role_required("business")
def new_project() -> ResponseReturnValue:
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project_id = projects.create_draft(current_user, form.values())
        except ServiceError as exc:
            _show_errors(form, exc)
        else:
            flash(gettext("下書きを保存しました。次に寄附のコースを登録してください。"), "success")
            return redirect(url_for("business.project", project_id=project_id))
    return render_template(
        "business/project_form.html", form=form, project=None, rate=_default_rate()
    )


def _default_rate() -> int:
    return get_settings().city.default_subsidy_rate_percent


@role_required("business")
def project(project_id: int) -> ResponseReturnValue:
    return render_template(
        "business/project.html",
        page=business_project.page(current_user, project_id),
        image_form=ImageForm(),
        button=EmptyForm(),
        local_label=local_label,
        max_images=images.MAX_IMAGES_PER_PROJECT,
    )


@role_required("business")
def edit_project(project_id: int) -> ResponseReturnValue:
    item = _own(project_id)
    if (back := _frozen(item)) is not None:
        return back
    form = ProjectForm()
    if request.method == "GET":
        form.fill(item)
    elif form.validate_on_submit():
        try:
            projects.update_draft(current_user, project_id, form.values())
        except ServiceError as exc:
            _show_errors(form, exc)
        else:
            flash(gettext("保存しました。"), "success")
            return redirect(url_for("business.project", project_id=project_id))
    return render_template(
        "business/project_form.html", form=form, project=item, rate=item.subsidy_rate_percent
    )


@role_required("business")
def new_tier(project_id: int) -> ResponseReturnValue:
    item = _own(project_id)
    if (back := _frozen(item)) is not None:
        return back
    form = TierForm()
    if form.validate_on_submit():
        try:
            tiers.add_tier(current_user, project_id, form.values())
        except ServiceError as exc:
            _show_errors(form, exc)
        else:
            flash(gettext("コースを追加しました。"), "success")
            return redirect(url_for("business.project", project_id=project_id))
    return render_template("business/tier_form.html", form=form, project=item, tier=None)


@role_required("business")
def edit_tier(project_id: int, tier_id: int) -> ResponseReturnValue:
    item = _own(project_id)
    if (back := _frozen(item)) is not None:
        return back
    tier = next((t for t in item.tiers if t.id == tier_id), None)
    if tier is None:
        abort(404)
    form = TierForm()
    if request.method == "GET":
        form.fill(tier)
    elif form.validate_on_submit():
        try:
            tiers.update_tier(current_user, project_id, tier_id, form.values())
        except ServiceError as exc:
            _show_errors(form, exc)
        else:
            flash(gettext("コースを保存しました。"), "success")
            return redirect(url_for("business.project", project_id=project_id))
    return render_template("business/tier_form.html", form=form, project=item, tier=tier)


@role_required("business")
def delete_tier(project_id: int, tier_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        tiers.delete_tier(current_user, project_id, tier_id)
        flash(gettext("コースを削除しました。"), "success")
    return redirect(url_for("business.project", project_id=project_id))


@role_required("business")
@csrf.exempt  # checked below, once the uploader is known to own the draft
def upload_image(project_id: int) -> ResponseReturnValue:
    """Who uploads first, then the request's size, then the form (CSRF included); nothing of
    the upload is read for a business that does not own the draft."""
    project_images.check_upload(current_user, project_id)
    if (request.content_length or 0) > images.MAX_UPLOAD_BYTES:
        raise images.too_many_bytes()
    request.max_content_length = images.MAX_UPLOAD_BYTES  # a body without a length, too
    check_csrf()
    form = ImageForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return _project_page(project_id, 422)
    try:
        project_images.add_image(
            current_user, project_id, form.image.data.read(), form.alt_text.data or ""
        )
    except ServiceError as exc:
        flash(translated(exc.message), "error")
        return _project_page(project_id, exc.status)
    flash(gettext("画像を追加しました。"), "success")
    return redirect(url_for("business.project", project_id=project_id))


def _project_page(project_id: int, status: int) -> ResponseReturnValue:
    return (
        render_template(
            "business/project.html",
            page=business_project.page(current_user, project_id),
            image_form=ImageForm(),
            button=EmptyForm(),
            local_label=local_label,
            max_images=images.MAX_IMAGES_PER_PROJECT,
        ),
        status,
    )


@role_required("business")
def delete_image(project_id: int, image_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        project_images.delete_image(current_user, project_id, image_id)
        flash(gettext("画像を削除しました。"), "success")
    return redirect(url_for("business.project", project_id=project_id))


@role_required("business")
def submit_project(project_id: int) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("business.project", project_id=project_id))
    try:
        projects.submit(current_user, project_id)
    except ComplianceFailed as exc:
        flash(translated(exc.message), "error")
        return (
            render_template(
                "business/project.html",
                page=business_project.page(current_user, project_id),
                violations=exc.violations,
                image_form=ImageForm(),
                button=EmptyForm(),
                local_label=local_label,
                max_images=images.MAX_IMAGES_PER_PROJECT,
                refused=True,
            ),
            422,
        )
    flash(gettext("審査に提出しました。結果はメールでお知らせします。"), "success")
    return redirect(url_for("business.project", project_id=project_id))


@role_required("business")
def bank_account() -> ResponseReturnValue:
    form = BankForm()
    if request.method == "GET":
        form.fill(bank.account_of(current_user.business_id))
    elif form.validate_on_submit():
        try:
            saved = bank.update_account(current_user, current_user.business_id, form.account())
        except ServiceError as exc:
            _show_errors(form, exc)
        else:
            flash(gettext("振込口座を保存しました。"), "success")
            if saved.returned_payout_ids:
                flash(
                    gettext(
                        "準備中の補助金の支払い %(n)s 件は、市の職員が新しい口座を確認してから"
                        "振り込まれます。",
                        n=len(saved.returned_payout_ids),
                    ),
                    "info",
                )
            return redirect(url_for("business.dashboard"))
    return render_template("business/bank.html", form=form)
