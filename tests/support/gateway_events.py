"""Real PaymentIntents at localstripe for a donation, and webhook bodies about them.

The webhook handler believes only what the gateway answers about a PaymentIntent, so a test
event must name one that exists: `lost_charge` makes a charge at localstripe the way `pay`
would, while our database only knows its attempt as `unknown` (the answer was lost);
`foreign_intent` makes one we never asked for (another amount, currency or customer);
`event_about` writes a Stripe-shaped event whose object starts from the gateway's own view and
may then be forged at will.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session

from furusato.models import Donation, PaymentAttempt
from furusato.payments import get_gateway
from tests.support.localstripe import TEST_CARDS, LocalStripe


def lost_charge(
    session: Session,
    ls: LocalStripe,
    donation: Donation,
    *,
    card: str = TEST_CARDS["visa"],
    number: int = 1,
    record: bool = True,
) -> str:
    """Charge the donation at the gateway under attempt `number` (recorded as `unknown` when
    `record`); returns the PaymentIntent id."""
    key = f"donation:{donation.id}:charge:{number}"
    if record:
        session.add(
            PaymentAttempt(
                donation_id=donation.id,
                kind="charge",
                key=key,
                status="unknown",
                amount_yen=donation.amount_yen,
            )
        )
        session.flush()
    result = get_gateway().charge(
        amount_yen=donation.amount_yen,
        customer_id=donation.stripe_customer_id,
        payment_method_id=ls.payment_method(card),
        idempotency_key=key,
        metadata={"donation_id": str(donation.id), "attempt": key},
    )
    assert result.payment_intent_id
    return result.payment_intent_id


def foreign_intent(
    ls: LocalStripe,
    *,
    amount: int,
    currency: str = "jpy",
    customer: str | None = None,
    metadata: dict[str, str] | None = None,
) -> str:
    """A succeeded PaymentIntent made straight at the gateway, not by the platform."""
    v1 = ls.client.v1
    if customer is None:
        customer = str(v1.customers.create(params={"email": "someone@example.jp"}).id)
    method = ls.payment_method()
    v1.payment_methods.attach(method, params={"customer": customer})
    intent = v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": currency,
            "customer": customer,
            "payment_method": method,
            "confirm": True,
            "metadata": metadata or {},
        }
    )
    assert intent.status == "succeeded"
    return str(intent.id)


def intent_object(ls: LocalStripe, intent_id: str) -> dict[str, Any]:
    """The PaymentIntent as the gateway shows it (latest_charge expanded)."""
    intent = ls.client.v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]})
    return dict(intent.to_dict())


def event_about(
    ls: LocalStripe,
    intent_id: str,
    event_id: str,
    event_type: str = "payment_intent.succeeded",
    **forged: Any,
) -> bytes:
    """A webhook body about a real PaymentIntent; `forged` overrides fields of its object."""
    obj = intent_object(ls, intent_id)
    obj.update(forged)
    return ls.event_payload(event_type, obj, event_id)


def forged_success(ls: LocalStripe, intent_id: str, donation: Donation, event_id: str) -> bytes:
    """A `payment_intent.succeeded` body claiming everything a success needs (status, amount,
    currency, a charge with its time) for a PaymentIntent that may not have succeeded."""
    return event_about(
        ls,
        intent_id,
        event_id,
        status="succeeded",
        amount=donation.amount_yen,
        currency="jpy",
        customer=donation.stripe_customer_id,
        latest_charge={"id": f"ch_forged_{donation.id}", "created": int(time.time())},
    )

