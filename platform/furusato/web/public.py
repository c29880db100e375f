"""Pages anyone can see: home, project list and project pages."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from furusato.web.guards import public

bp = Blueprint("public", __name__)


@bp.get("/healthz")
@public
def healthz() -> ResponseReturnValue:
    return {"status": "ok"}


# Each area adds its routes to this blueprint in a module of its own, imported here:
# from furusato.web import public_<area>  (with noqa E402,F401)
from furusato.web import public_catalog, public_deduction, public_images  # noqa: E402,F401
