"""Pages anyone can see: home, project list and project pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from furusato.web.guards import public

bp = Blueprint("public", __name__)


@bp.get("/")
@public
def home() -> ResponseReturnValue:
    return render_template("public/home.html")


@bp.get("/healthz")
@public
def healthz() -> ResponseReturnValue:
    return {"status": "ok"}


# Each area adds its routes to this blueprint in a module of its own, imported here:
# from furusato.web import public_<area>  (with noqa E402,F401)
