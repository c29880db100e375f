"""A fake Stripe for the year-end rush benchmark: the exact API calls StripeGateway makes, each
answered after a fixed delay (default 300 ms, a real network round trip to Stripe).

localstripe rewrites its data file on every object and manages ~46 charges/s (shared/LOCALSTRIPE.md),
so it cannot stand in for Stripe under load. This server keeps everything in memory and costs
little CPU, so what the benchmark measures is the platform. The app reaches it through
STRIPE_API_BASE with the real stripe library: nothing in the app is faked.

    python bench/fake_gateway.py --port 8421 --delay 0.3

Answered: POST /v1/customers, POST /v1/setup_intents, POST /v1/payment_methods/{id}/attach,
POST /v1/payment_intents (confirm=true: succeeds at once for any `pm_…` id except those
containing "decline"), GET /v1/payment_intents/{id}, GET /v1/payment_intents (list, filtered by
customer), GET /v1/charges/{id}, POST /v1/refunds. GET /_stats counts the calls.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import secrets
import time
from collections import Counter
from typing import Any

from aiohttp import web

DELAY = web.AppKey("delay", float)
INTENTS = web.AppKey("intents", dict)
CALLS: web.AppKey[Counter[str]] = web.AppKey("calls", Counter)
_ids = itertools.count(1)
_RUN = secrets.token_hex(4)  # ids stay unique across restarts of this server


def _id(prefix: str) -> str:
    return f"{prefix}_bench{_RUN}{next(_ids):09d}"


def _json(data: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(data), status=status, content_type="application/json")


def _metadata(form: Any) -> dict[str, str]:
    return {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[") and k.endswith("]")}


async def _pause(request: web.Request, name: str) -> None:
    request.app[CALLS][name] += 1
    await asyncio.sleep(request.app[DELAY])


async def customers(request: web.Request) -> web.Response:
    form = await request.post()
    await _pause(request, "customers.create")
    return _json(
        {
            "id": _id("cus"),
            "object": "customer",
            "email": form.get("email"),
            "name": form.get("name"),
            "metadata": _metadata(form),
        }
    )


async def setup_intents(request: web.Request) -> web.Response:
    form = await request.post()
    await _pause(request, "setup_intents.create")
    intent = _id("seti")
    return _json(
        {
            "id": intent,
            "object": "setup_intent",
            "client_secret": f"{intent}_secret_bench",
            "customer": form.get("customer"),
            "status": "requires_payment_method",
            "usage": "off_session",
            "metadata": _metadata(form),
        }
    )


async def attach(request: web.Request) -> web.Response:
    form = await request.post()
    await _pause(request, "payment_methods.attach")
    return _json(
        {
            "id": request.match_info["pm"],
            "object": "payment_method",
            "type": "card",
            "customer": form.get("customer"),
        }
    )


async def create_intent(request: web.Request) -> web.Response:
    form = await request.post()
    await _pause(request, "payment_intents.create")
    intent_id = _id("pi")
    method = str(form.get("payment_method", ""))
    declined = "decline" in method
    charge = {
        "id": _id("ch"),
        "object": "charge",
        "created": int(time.time()),
        "amount": int(str(form.get("amount", "0"))),
        "amount_refunded": 0,
        "paid": not declined,
    }
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": int(str(form.get("amount", "0"))),
        "currency": "jpy",
        "customer": form.get("customer"),
        "payment_method": method,
        "client_secret": f"{intent_id}_secret_bench",
        "status": "requires_payment_method" if declined else "succeeded",
        "latest_charge": charge,
        "last_payment_error": None,
        "metadata": _metadata(form),
    }
    request.app[INTENTS][intent_id] = intent
    if declined:
        error = {
            "type": "card_error",
            "code": "card_declined",
            "message": "Your card was declined.",
            "payment_intent": intent,
        }
        return _json({"error": error}, status=402)
    return _json(intent)


async def retrieve_intent(request: web.Request) -> web.Response:
    await _pause(request, "payment_intents.retrieve")
    intent = request.app[INTENTS].get(request.match_info["id"])
    if intent is None:
        error = {"type": "invalid_request_error", "message": "No such payment_intent"}
        return _json({"error": error}, status=404)
    return _json(intent)


async def list_intents(request: web.Request) -> web.Response:
    await _pause(request, "payment_intents.list")
    customer = request.query.get("customer")
    data = [i for i in request.app[INTENTS].values() if not customer or i["customer"] == customer]
    return _json(
        {"object": "list", "data": data[:100], "has_more": False, "url": "/v1/payment_intents"}
    )


async def retrieve_charge(request: web.Request) -> web.Response:
    await _pause(request, "charges.retrieve")
    for intent in request.app[INTENTS].values():
        if intent["latest_charge"]["id"] == request.match_info["id"]:
            return _json(intent["latest_charge"])
    return _json({"error": {"type": "invalid_request_error", "message": "No such charge"}}, 404)


async def refunds(request: web.Request) -> web.Response:
    form = await request.post()
    await _pause(request, "refunds.create")
    return _json(
        {
            "id": _id("re"),
            "object": "refund",
            "amount": int(str(form.get("amount", "0"))),
            "payment_intent": form.get("payment_intent"),
            "status": "succeeded",
        }
    )


async def stats(request: web.Request) -> web.Response:
    calls: Counter[str] = request.app[CALLS]
    return _json({name: count for name, count in calls.items()})


def make_app(delay: float) -> web.Application:
    app = web.Application()
    app[DELAY] = delay
    app[INTENTS] = {}
    app[CALLS] = Counter()
    app.add_routes(
        [
            web.post("/v1/customers", customers),
            web.post("/v1/setup_intents", setup_intents),
            web.post("/v1/payment_methods/{pm}/attach", attach),
            web.post("/v1/payment_intents", create_intent),
            web.get("/v1/payment_intents/{id}", retrieve_intent),
            web.get("/v1/payment_intents", list_intents),
            web.get("/v1/charges/{id}", retrieve_charge),
            web.post("/v1/refunds", refunds),
            web.get("/_stats", stats),
        ]
    )
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8421)
    parser.add_argument("--delay", type=float, default=0.3, help="seconds before each answer")
    args = parser.parse_args()
    # Loopback only; no access log (it would cost more CPU than the answers).
    web.run_app(make_app(args.delay), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
