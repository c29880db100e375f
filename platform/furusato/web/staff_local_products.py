"""Staff and the 地場産品基準 items of tiers flagged for review (their code meant another item
when they were stored): the list, and the decision that confirms the item and clears the note.

Its URLs are in the staff area's table (web/staff.py).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from furusato.services.campaigns import local_review
from furusato.services.errors import Conflict, NotFound, ValidationFailed
from furusato.web.extensions import translated
from furusato.web.guards import role_required
from furusato.web.project_forms import LocalItemConfirmForm


@role_required("staff")
def local_products() -> ResponseReturnValue:
    return render_template(
        "staff/local_products.html",
        tiers=local_review.flagged(),
        form=LocalItemConfirmForm(formdata=None),
    )


@role_required("staff")
def confirm_local_item(tier_id: int) -> ResponseReturnValue:
    form = LocalItemConfirmForm()
    code, subitem, note = form.decision()
    try:
        local_review.confirm(
            current_user, tier_id, code, subitem, note, ip_address=request.remote_addr or ""
        )
    except ValidationFailed as exc:
        details = "".join(f" {translated(m)}" for m in (exc.fields or {}).values())
        flash(translated(exc.message) + details, "error")
    except (Conflict, NotFound) as exc:
        flash(translated(exc.message), "error")
    else:
        flash(gettext("区分を確認し、見直しの記録を消しました。"), "success")
    return redirect(url_for("staff.local_products"), 303)
