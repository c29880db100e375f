"""The donor's own pages: donations, receipts, shipments."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from furusato.services.giving import donation_views
from furusato.web.guards import role_required

bp = Blueprint("donor", __name__)


@bp.get("/me")
@role_required("donor")
def dashboard() -> ResponseReturnValue:
    rows = donation_views.for_donor_page(int(current_user.id))
    return render_template("donor/dashboard.html", rows=rows)


# Each area adds its routes to this blueprint in a module of its own, imported here:
# from furusato.web import donor_<area>  (with noqa E402,F401)
from furusato.web import donor_documents  # noqa: E402,F401
