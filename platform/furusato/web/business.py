"""The business's pages: its projects, tiers, submission, next goals, gift options, updates
and donors' messages, shipping work.

This module holds the blueprint and its URL table; the views are in business_projects.py and
business_shipments.py, registered here.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from furusato.services.campaigns import projects
from furusato.services.settlement import business_payouts
from furusato.web import (
    business_next_goals,
    business_projects,
    business_shipments,
    business_updates,
)
from furusato.web.guards import role_required
from furusato.web.urls import GET, GET_POST, POST, add_routes

bp = Blueprint("business", __name__, url_prefix="/business")


@role_required("business")
def dashboard() -> ResponseReturnValue:
    return render_template("business/dashboard.html", rows=projects.dashboard(current_user))


@role_required("business")
def payouts() -> ResponseReturnValue:
    return render_template(
        "business/payouts.html", payouts=business_payouts.for_business(current_user)
    )


# fmt: off
add_routes(bp, [
    ("/", dashboard, GET),
    ("/payouts", payouts, GET),
    ("/projects/new", business_projects.new_project, GET_POST),
    ("/projects/<int:project_id>", business_projects.project, GET),
    ("/projects/<int:project_id>/edit", business_projects.edit_project, GET_POST),
    ("/projects/<int:project_id>/tiers/new", business_projects.new_tier, GET_POST),
    ("/projects/<int:project_id>/tiers/<int:tier_id>/edit", business_projects.edit_tier, GET_POST),
    ("/projects/<int:project_id>/tiers/<int:tier_id>/delete", business_projects.delete_tier, POST),
    ("/projects/<int:project_id>/images", business_projects.upload_image, POST),
    ("/projects/<int:project_id>/images/<int:image_id>/delete", business_projects.delete_image, POST),
    ("/projects/<int:project_id>/submit", business_projects.submit_project, POST),
    ("/bank", business_projects.bank_account, GET_POST),
    ("/gift-options", business_next_goals.gift_settings, GET_POST),
    ("/projects/<int:project_id>/next-goal", business_next_goals.next_goal, GET_POST),
    ("/projects/<int:project_id>/updates", business_updates.updates_page, GET_POST),
    ("/projects/<int:project_id>/messages/<int:message_id>/approve", business_updates.approve_message, POST),
    ("/projects/<int:project_id>/messages/<int:message_id>/decline", business_updates.decline_message, POST),
    ("/projects/<int:project_id>/messages/<int:message_id>/reply", business_updates.reply_message, POST),
    ("/projects/<int:project_id>/shipments", business_shipments.shipments_page, GET),
    ("/projects/<int:project_id>/shipments/<int:shipment_id>/sent", business_shipments.mark_sent, POST),
    ("/projects/<int:project_id>/shipments/upload", business_shipments.upload_sent, POST),
])
# fmt: on
