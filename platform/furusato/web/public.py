"""Pages anyone can see: home, project list and project pages, the deduction estimate, images.

This module holds the blueprint and its URL table; the views are in public_<area>.py,
registered here.
"""

from __future__ import annotations

from flask import Blueprint, current_app
from flask.typing import ResponseReturnValue

from furusato.web import public_catalog, public_deduction, public_images, public_updates
from furusato.web.guards import public
from furusato.web.urls import GET, GET_POST, add_routes

bp = Blueprint("public", __name__)


@public
def healthz() -> ResponseReturnValue:
    return {"status": "ok"}


@public
def favicon() -> ResponseReturnValue:
    """Browsers ask for /favicon.ico on their own (pages name static/favicon.svg too)."""
    response = current_app.send_static_file("favicon.ico")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# fmt: off
add_routes(bp, [
    ("/healthz", healthz, GET),
    ("/favicon.ico", favicon, GET),
    ("/", public_catalog.home, GET),
    ("/projects", public_catalog.project_list, GET),
    ("/projects/<int:project_id>", public_catalog.project_page, GET),
    ("/deduction-estimate", public_deduction.deduction_estimate, GET),
    ("/images/<int:image_id>/<size>", public_images.project_image, GET),
    ("/updates/images/<int:image_id>/<size>", public_updates.update_image, GET),
    ("/updates/unsubscribe/<token>", public_updates.unsubscribe, GET_POST),
])
# fmt: on
