"""City staff pages: review queue, campaigns, next goals, payouts, one-stop, audit log.

This module holds the blueprint and its URL table; each area's views are in a module of their
own (staff_<area>.py), registered here.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from furusato.services.settlement import dashboard as staff_dashboard
from furusato.web import (
    staff_audit,
    staff_costs,
    staff_local_products,
    staff_mail,
    staff_next_goals,
    staff_onestop,
    staff_payouts,
    staff_receipts,
    staff_review,
    staff_settlement,
    staff_shipments,
    staff_updates,
)
from furusato.web.guards import role_required
from furusato.web.urls import GET, POST, add_routes

bp = Blueprint("staff", __name__, url_prefix="/staff")


@role_required("staff")
def dashboard() -> ResponseReturnValue:
    return render_template("staff/dashboard.html", board=staff_dashboard.staff_dashboard())


# fmt: off
add_routes(bp, [
    ("/", dashboard, GET),
    ("/audit", staff_audit.audit, GET),
    ("/review", staff_review.review_queue, GET),
    ("/review/<int:project_id>", staff_review.review_project, GET),
    ("/review/<int:project_id>/approve", staff_review.approve_project, POST),
    ("/review/<int:project_id>/reject", staff_review.reject_project, POST),
    ("/review/<int:project_id>/rate", staff_review.set_rate, POST),
    ("/campaigns", staff_review.campaigns, GET),
    ("/local-products", staff_local_products.local_products, GET),
    ("/local-products/<int:tier_id>/confirm", staff_local_products.confirm_local_item, POST),
    ("/campaigns/<int:project_id>/pause", staff_review.pause_campaign, POST),
    ("/campaigns/<int:project_id>/resume", staff_review.resume_campaign, POST),
    ("/next-goals", staff_next_goals.next_goals_list, GET),
    ("/next-goals/<int:goal_id>", staff_next_goals.next_goal_page, GET),
    ("/next-goals/<int:goal_id>/approve", staff_next_goals.approve_next_goal, POST),
    ("/next-goals/<int:goal_id>/reject", staff_next_goals.reject_next_goal, POST),
    ("/updates", staff_updates.updates_list, GET),
    ("/updates/<int:update_id>/hold", staff_updates.hold_update, POST),
    ("/updates/<int:update_id>/release", staff_updates.release_update, POST),
    ("/messages", staff_updates.messages_list, GET),
    ("/messages/<int:message_id>/approve", staff_updates.approve_message, POST),
    ("/messages/<int:message_id>/hide", staff_updates.hide_message, POST),
    ("/onestop", staff_onestop.onestop_list, GET),
    ("/onestop/<int:application_id>", staff_onestop.onestop_application, GET),
    ("/onestop/<int:application_id>/form", staff_onestop.onestop_record, POST),
    ("/onestop/<int:application_id>/change", staff_onestop.onestop_change, POST),
    ("/onestop/<int:application_id>/reveal", staff_onestop.onestop_reveal, POST),
    ("/onestop/export", staff_onestop.onestop_export_zip, POST),
    ("/onestop/notices/sent", staff_onestop.onestop_notices_sent, POST),
    ("/receipts/<int:receipt_id>", staff_receipts.receipt_detail, GET),
    ("/receipts/<int:receipt_id>/correct", staff_receipts.receipt_correct, POST),
    ("/shipments/late", staff_shipments.late_shipments, GET),
    ("/payouts", staff_payouts.payouts_list, GET),
    ("/payouts/<int:payout_id>", staff_payouts.payout_detail, GET),
    ("/payouts/<int:payout_id>/prepare", staff_payouts.payout_prepare, POST),
    ("/payouts/<int:payout_id>/approve", staff_payouts.payout_approve, POST),
    ("/payouts/export", staff_payouts.payouts_export, POST),
    ("/payouts/batches/<int:batch_id>/zengin", staff_payouts.payout_batch_zengin, GET),
    ("/payouts/batches/<int:batch_id>/csv", staff_payouts.payout_batch_csv, GET),
    ("/payouts/batches/<int:batch_id>/paid", staff_payouts.payout_batch_paid, POST),
    ("/settlements", staff_settlement.settlements, GET),
    ("/settlements/<int:project_id>/retry", staff_settlement.settlement_retry, POST),
    ("/settlements/<int:project_id>/reconcile", staff_settlement.settlement_reconcile, POST),
    ("/reports", staff_settlement.reports_page, GET),
    ("/reports/<int:year>.csv", staff_settlement.reports_csv, GET),
    ("/reports/campaigns/<int:project_id>.csv", staff_settlement.report_campaign_csv, GET),
    ("/reports/<int:year>/costs", staff_costs.costs_page, GET),
    ("/reports/<int:year>/costs", staff_costs.costs_record, POST),
    ("/reports/<int:year>/costs.csv", staff_costs.costs_csv, GET),
    ("/mail", staff_mail.failed_mail, GET),
    ("/mail/<int:email_id>/retry", staff_mail.retry_mail, POST),
])
# fmt: on
