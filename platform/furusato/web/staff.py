"""City staff pages: review queue, campaigns, payouts, one-stop, audit log."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from furusato.services import mail_outbox
from furusato.web.guards import role_required

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@role_required("staff")
def dashboard() -> ResponseReturnValue:
    return render_template("staff/dashboard.html", failed_mail=mail_outbox.failed_count())


# Each area adds its routes to this blueprint in a module of its own, imported here:
# from furusato.web import staff_<area>  (with noqa E402,F401)
# isort: off
from furusato.web import staff_audit, staff_review  # noqa: E402,F401
from furusato.web import staff_onestop, staff_receipts, staff_shipments  # noqa: E402,F401
from furusato.web import staff_payouts, staff_settlement  # noqa: E402,F401
from furusato.web import staff_mail  # noqa: E402,F401
# isort: on
