"""POST /webhooks/stripe: verified, de-duplicated gateway events."""

from __future__ import annotations

import logging

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from furusato.payments import get_gateway
from furusato.services.errors import ServiceError
from furusato.services.giving import gateway_events
from furusato.web.guards import public

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
log = logging.getLogger(__name__)


@bp.post("/stripe")
@public
def stripe_events() -> ResponseReturnValue:
    """Only a correctly signed event is read; a forged or unsigned one stores nothing."""
    payload = request.get_data(cache=False)
    signature = request.headers.get("Stripe-Signature", "")
    if not signature:
        return {"error": "missing Stripe-Signature"}, 400
    try:
        event = get_gateway().verify_webhook(payload, signature)
    except ValueError:
        log.warning("webhook with an invalid signature refused")
        return {"error": "invalid signature"}, 400
    try:
        handled = gateway_events.handle(event)
    except ServiceError as exc:
        log.warning("webhook %s refused: %s", event.get("id"), exc.message)
        return {"error": exc.code, "detail": exc.message}, exc.status
    return {"received": True, "outcome": handled.outcome}, 200
