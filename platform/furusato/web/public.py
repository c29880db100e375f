"""Pages anyone can see: home, project list and project pages, the deduction estimate, images.

This module holds the blueprint and its URL table; the views are in public_<area>.py,
registered here.
"""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from furusato.web import public_catalog, public_deduction, public_images
from furusato.web.guards import public
from furusato.web.urls import GET, add_routes

bp = Blueprint("public", __name__)


@public
def healthz() -> ResponseReturnValue:
    return {"status": "ok"}


# fmt: off
add_routes(bp, [
    ("/healthz", healthz, GET),
    ("/", public_catalog.home, GET),
    ("/projects", public_catalog.project_list, GET),
    ("/projects/<int:project_id>", public_catalog.project_page, GET),
    ("/deduction-estimate", public_deduction.deduction_estimate, GET),
    ("/images/<int:image_id>/<size>", public_images.project_image, GET),
])
# fmt: on
