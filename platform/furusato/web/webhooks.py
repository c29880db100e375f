"""POST /webhooks/stripe: verified, de-duplicated gateway events."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from furusato.services.errors import ServiceError
from furusato.services.giving import gateway_events
from furusato.web.guards import public

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.post("/stripe")
@public
def stripe_events() -> ResponseReturnValue:
    """Only a correctly signed event is read; a forged or unsigned one stores nothing."""
    signature = request.headers.get("Stripe-Signature", "")
    if not signature:
        return {"error": "missing Stripe-Signature"}, 400
    try:
        handled = gateway_events.receive(request.get_data(cache=False), signature)
    except gateway_events.InvalidSignature:
        return {"error": "invalid signature"}, 400
    except ServiceError as exc:
        return {"error": exc.code, "detail": exc.message}, exc.status
    return {"received": True, "outcome": handled.outcome}, 200
