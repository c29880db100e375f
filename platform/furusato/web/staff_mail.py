"""Staff: the mails that could not be sent, with the reason, and a button to send one again.

Its URLs are in the staff area's table (web/staff.py).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from furusato.services import mail_outbox
from furusato.services.errors import ServiceError
from furusato.web.extensions import translated
from furusato.web.guards import role_required
from furusato.web.project_forms import EmptyForm


@role_required("staff")
def failed_mail() -> ResponseReturnValue:
    return render_template("staff/mail.html", mails=mail_outbox.failed(), button=EmptyForm())


@role_required("staff")
def retry_mail(email_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        try:
            mail_outbox.retry(current_user, email_id, ip_address=request.remote_addr or "")
        except ServiceError as exc:
            flash(translated(exc.message), "error")
        else:
            flash(gettext("再送を予約しました。"), "success")
    return redirect(url_for("staff.failed_mail"))
