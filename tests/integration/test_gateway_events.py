"""The adapter's verified event: our own terms for what the webhook service needs."""

from __future__ import annotations

import json

import pytest

from furusato.payments import GatewayEvent, InvalidWebhook, get_gateway
from tests.support.localstripe import LocalStripe


def test_a_verified_event_names_its_payment_intent(localstripe: LocalStripe) -> None:
    """A signed payment_intent event becomes a GatewayEvent with the PaymentIntent's id and the
    body kept as sent; an event about another object names no PaymentIntent."""
    body = localstripe.event_payload(
        "payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"}, "evt_1"
    )
    event = get_gateway().verify_webhook(body, localstripe.sign(body))
    assert event == GatewayEvent("evt_1", "payment_intent.succeeded", "pi_1", json.loads(body))
    body = localstripe.event_payload("customer.created", {"id": "cus_1"}, "evt_2")
    event = get_gateway().verify_webhook(body, localstripe.sign(body))
    assert (event.id, event.type, event.payment_intent_id) == ("evt_2", "customer.created", "")


def test_a_body_signed_with_another_secret_is_invalid(localstripe: LocalStripe) -> None:
    """A signature made with any other secret raises InvalidWebhook, before anything is read."""
    body = localstripe.event_payload("payment_intent.succeeded", {"id": "pi_1"}, "evt_3")
    with pytest.raises(InvalidWebhook):
        get_gateway().verify_webhook(body, localstripe.sign(body, secret="whsec_other"))
