"""The business's pages: its projects, tiers, submission, shipping work."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from furusato.services.campaigns import projects
from furusato.web.guards import role_required

bp = Blueprint("business", __name__, url_prefix="/business")


@bp.get("/")
@role_required("business")
def dashboard() -> ResponseReturnValue:
    return render_template("business/dashboard.html", rows=projects.dashboard(current_user))


# Each area adds its routes to this blueprint in a module of its own, imported here:
# from furusato.web import business_<area>  (with noqa E402,F401)
# isort: off
from furusato.web import business_projects  # noqa: E402,F401
from furusato.web import business_shipments  # noqa: E402,F401
# isort: on
