"""The donor's own pages: donations, receipts, shipments."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from furusato.web.guards import role_required

bp = Blueprint("donor", __name__)


@bp.get("/me")
@role_required("donor")
def dashboard() -> ResponseReturnValue:
    return render_template("donor/dashboard.html")
