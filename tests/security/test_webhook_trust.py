"""A signed webhook is only a hint ("look at PaymentIntent x"): whatever its payload says, the
money recorded is what the gateway answers about that PaymentIntent, for the donation's own
amount and currency. The events here are signed with the real webhook secret, as a leaked
secret (or a confused integration) would sign them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.models import AuditLog, Donation, PaymentAttempt, Project, WebhookEvent
from furusato.payments import set_gateway
from furusato.payments.stripe_gateway import StripeGateway
from furusato.services.giving import charges, donation_views
from tests.factories import make_project
from tests.support.gateway_events import (
    event_about,
    foreign_intent,
    forged_success,
    intent_object,
    lost_charge,
)
from tests.support.giving import pledge
from tests.support.localstripe import LocalStripe

NEEDS_AUTHENTICATION = "4000002760003184"  # 3-D Secure required: the charge waits for action


def _post(client: FlaskClient, ls: LocalStripe, body: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/webhooks/stripe",
        data=body,
        headers={"Stripe-Signature": ls.sign(body)},
        content_type="application/json",
    )


def _pledged(db: Session, amount: int = 10_000) -> Donation:
    made = pledge(make_project(db).id, amount_yen=amount)
    donation = db.get(Donation, made.id, populate_existing=True)
    assert donation is not None and donation.stripe_customer_id
    return donation


def _unpaid(db: Session, donation: Donation) -> bool:
    fresh = db.get(Donation, donation.id, populate_existing=True)
    project = db.get(Project, donation.project_id, populate_existing=True)
    assert fresh is not None and project is not None
    return (
        fresh.status == "pending_payment"
        and fresh.payment_intent_id is None
        and (project.paid_count, project.paid_total_yen) == (0, 0)
    )


def _events(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(WebhookEvent)) or 0)


def test_a_forged_success_for_a_payment_still_needing_action_pays_nothing(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """A signed `payment_intent.succeeded` whose payload claims success (status, amount and an
    expanded charge) for a PaymentIntent that is really `requires_action` leaves the donation
    unpaid and its attempt waiting for 3-D Secure."""
    donation = _pledged(db)
    card = stripe_clean.confirm_setup(donation.setup_intent_id or "", NEEDS_AUTHENTICATION)
    needs = charges.pay(donation.id, card)
    assert needs.status == "requires_action" and needs.client_secret
    intent_id = needs.client_secret.split("_secret_")[0]
    assert intent_object(stripe_clean, intent_id)["status"] == "requires_action"
    body = forged_success(stripe_clean, intent_id, donation, "evt_forged_success")
    assert _post(client, stripe_clean, body).status_code == 200
    assert _unpaid(db, donation)
    attempt = db.scalar(select(PaymentAttempt).where(PaymentAttempt.donation_id == donation.id))
    assert attempt is not None and attempt.status == "requires_action"
    assert donation_views.state_of(donation.id).status == "requires_action"


def test_a_forged_failure_for_a_succeeded_payment_records_the_success(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """The event's type is no more trusted than its payload: a `payment_failed` about a
    PaymentIntent that succeeded records the money the gateway holds."""
    donation = _pledged(db)
    intent_id = lost_charge(db, stripe_clean, donation)
    body = event_about(
        stripe_clean,
        intent_id,
        "evt_forged_failure",
        "payment_intent.payment_failed",
        status="requires_payment_method",
        last_payment_error={"code": "card_declined"},
    )
    assert _post(client, stripe_clean, body).status_code == 200
    paid = db.get(Donation, donation.id, populate_existing=True)
    assert paid is not None and paid.status == "paid" and paid.payment_intent_id == intent_id


def _unreachable() -> StripeGateway:
    """A gateway at a closed port, with the webhook secret unchanged."""
    secret = get_settings().stripe_webhook_secret
    return StripeGateway("sk_test_x", "pk_test_x", secret, api_base="http://127.0.0.1:9")


def test_an_event_while_the_gateway_is_unreachable_is_left_for_a_retry(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """While the PaymentIntent cannot be looked at, the event is answered 503 (so Stripe sends
    it again) and nothing is stored; sent again once the gateway answers, it pays the
    donation at the charge's own time."""
    donation = _pledged(db)
    intent_id = lost_charge(db, stripe_clean, donation)
    body = event_about(stripe_clean, intent_id, "evt_while_down")
    charged_at = datetime.fromtimestamp(
        intent_object(stripe_clean, intent_id)["latest_charge"]["created"], UTC
    )
    set_gateway(_unreachable())
    try:
        response = _post(client, stripe_clean, body)
    finally:
        set_gateway(None)
    assert response.status_code == 503
    assert _events(db) == 0 and _unpaid(db, donation)
    again = _post(client, stripe_clean, body)
    assert again.status_code == 200 and again.get_json()["outcome"] == "applied"
    paid = db.get(Donation, donation.id, populate_existing=True)
    assert paid is not None and paid.status == "paid" and paid.paid_at == charged_at


@pytest.mark.parametrize(("amount", "currency"), [(3_000, "jpy"), (10_000, "usd")])
def test_a_payment_for_another_amount_or_currency_is_refused_and_logged(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe, amount: int, currency: str
) -> None:
    """A succeeded PaymentIntent of the donation's customer, naming the donation and one of
    its attempts, but for another amount or currency (the payload claiming 10,000 yen) is not
    booked: the donation stays unpaid, its attempt does not take the id, staff see it in the
    audit log."""
    donation = _pledged(db)
    key = f"donation:{donation.id}:charge:1"
    db.add(
        PaymentAttempt(
            donation_id=donation.id, kind="charge", key=key, status="unknown", amount_yen=10_000
        )
    )
    db.flush()
    intent_id = foreign_intent(
        stripe_clean,
        amount=amount,
        currency=currency,
        customer=donation.stripe_customer_id,
        metadata={"donation_id": str(donation.id), "attempt": key},
    )
    body = forged_success(stripe_clean, intent_id, donation, f"evt_other_{currency}")
    _post(client, stripe_clean, body)
    assert _unpaid(db, donation)
    attempt = db.scalar(select(PaymentAttempt).where(PaymentAttempt.key == key))
    assert attempt is not None and attempt.status == "unknown"
    assert attempt.gateway_object_id is None
    flagged = db.scalar(
        select(AuditLog).where(
            AuditLog.action == "payment.amount_mismatch", AuditLog.target_id == str(donation.id)
        )
    )
    assert flagged is not None
    assert flagged.after["payment_intent_id"] == intent_id
    assert (flagged.after["reported_amount_yen"], flagged.after["reported_currency"]) == (
        amount,
        currency,
    )
