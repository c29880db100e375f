"""Staff and what campaigns say after the pledge: updates (hold one back, release it), the
final reports still missing, and donors' messages (approve, or hide with a reason; audited).

Its URLs are in the staff area's table (web/staff.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from furusato.domain.states import CheerStatus
from furusato.services.campaigns import cheers, update_pages, updates
from furusato.services.errors import Conflict, ValidationFailed
from furusato.web.extensions import translated
from furusato.web.guards import role_required
from furusato.web.project_forms import EmptyForm, ReasonForm


def _ip() -> str:
    return request.remote_addr or ""


def _acted(endpoint: str, act: Callable[[], None], done: str, **args: Any) -> ResponseReturnValue:
    try:
        act()
    except (Conflict, ValidationFailed) as exc:
        flash(translated(exc.message), "error")
    else:
        flash(done, "success")
    return redirect(url_for(endpoint, **args), 303)


@role_required("staff")
def updates_list() -> ResponseReturnValue:
    return render_template(
        "staff/updates.html",
        page=update_pages.staff_updates(),
        hold_form=ReasonForm(formdata=None),
        release_form=EmptyForm(formdata=None),
    )


@role_required("staff")
def hold_update(update_id: int) -> ResponseReturnValue:
    form = ReasonForm()
    reason = form.reason.data or "" if form.validate_on_submit() else ""
    return _acted(
        "staff.updates_list",
        lambda: updates.hold(current_user, update_id, reason, ip_address=_ip()),
        gettext(
            "活動報告を保留しました。プロジェクトページに表示されず、未送信のメールは送られません。"
        ),
    )


@role_required("staff")
def release_update(update_id: int) -> ResponseReturnValue:
    return _acted(
        "staff.updates_list",
        lambda: updates.release(current_user, update_id, ip_address=_ip()),
        gettext("活動報告を公開しました。"),
    )


def _status() -> CheerStatus | None:
    wanted = request.args.get("status", CheerStatus.PENDING)
    return None if wanted == "all" else CheerStatus(wanted) if wanted in set(CheerStatus) else None


@role_required("staff")
def messages_list() -> ResponseReturnValue:
    status = _status()
    return render_template(
        "staff/messages.html",
        messages=update_pages.staff_messages(status),
        status=str(status) if status else "all",
        statuses=list(CheerStatus),
        hide_form=ReasonForm(formdata=None),
        approve_form=EmptyForm(formdata=None),
    )


@role_required("staff")
def approve_message(message_id: int) -> ResponseReturnValue:
    return _acted(
        "staff.messages_list",
        lambda: cheers.approve(current_user, message_id, ip_address=_ip()),
        gettext("応援メッセージを掲載しました。"),
    )


@role_required("staff")
def hide_message(message_id: int) -> ResponseReturnValue:
    form = ReasonForm()
    reason = form.reason.data or "" if form.validate_on_submit() else ""
    return _acted(
        "staff.messages_list",
        lambda: cheers.hide(current_user, message_id, reason, ip_address=_ip()),
        gettext("応援メッセージを非表示にしました（監査ログに記録しました）。"),
        status="all",
    )
