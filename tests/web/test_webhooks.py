"""POST /webhooks/stripe: signatures, de-duplication, unknown payments, the gateway's time.

Events name real PaymentIntents at localstripe (tests/support/gateway_events.py): the handler
records what the gateway answers about them, never the payload itself."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from furusato.domain.money import JST, tax_year
from furusato.models import Donation, PaymentAttempt, Project, WebhookEvent
from furusato.services.giving import charges, donation_views
from tests.factories import make_project
from tests.support.gateway_events import event_about, foreign_intent, intent_object, lost_charge
from tests.support.giving import pledge
from tests.support.live_server import LiveServer
from tests.support.localstripe import TEST_CARDS, LocalStripe


def _forged(donation: Donation, paid_at: datetime, intent_id: str = "pi_boundary") -> dict:  # type: ignore[type-arg]
    """A success payload for a PaymentIntent the gateway has never heard of."""
    return {
        "id": f"{intent_id}_{donation.id}",
        "object": "payment_intent",
        "amount": donation.amount_yen,
        "currency": "jpy",
        "customer": donation.stripe_customer_id,
        "status": "succeeded",
        "metadata": {"donation_id": str(donation.id)},
        "latest_charge": {"id": f"ch_{donation.id}", "created": int(paid_at.timestamp())},
    }


def _post(client: FlaskClient, ls: LocalStripe, body: bytes, signature: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"Stripe-Signature": signature if signature is not None else ls.sign(body)}
    return client.post(
        "/webhooks/stripe", data=body, headers=headers, content_type="application/json"
    )


def _pledged(db: Session, amount: int = 10_000) -> Donation:
    project = make_project(db)
    made = pledge(project.id, amount_yen=amount)
    donation = db.get(Donation, made.id, populate_existing=True)
    assert donation is not None
    return donation


def test_forged_signature_is_refused_and_nothing_stored(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """An event signed with another secret, or unsigned, is a 400 and changes nothing."""
    donation = _pledged(db)
    body = stripe_clean.event_payload(
        "payment_intent.succeeded", _forged(donation, datetime.now(JST)), "evt_forged"
    )
    forged = stripe_clean.sign(body, secret="whsec_attacker")
    assert _post(client, stripe_clean, body, forged).status_code == 400
    assert _post(client, stripe_clean, body, "").status_code == 400
    assert db.scalar(select(func.count()).select_from(WebhookEvent)) == 0
    assert db.get(Donation, donation.id, populate_existing=True).status == "pending_payment"  # type: ignore[union-attr]


def test_duplicate_event_is_acknowledged_and_ignored(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """The same event delivered twice pays once: the second is a 200 'duplicate'."""
    donation = _pledged(db)
    body = event_about(stripe_clean, lost_charge(db, stripe_clean, donation), "evt_twice")
    first = _post(client, stripe_clean, body)
    second = _post(client, stripe_clean, body)
    assert first.status_code == 200 and first.get_json()["outcome"] == "applied"
    assert second.status_code == 200 and second.get_json()["outcome"] == "duplicate"
    project = db.get(Project, donation.project_id, populate_existing=True)
    assert project is not None and project.paid_count == 1
    assert project.paid_total_yen == donation.amount_yen


def test_event_for_an_unknown_payment_is_refused(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """A signed event about a payment that is not ours is a 4xx and stores nothing: one the
    gateway does not know, or one of another customer whose metadata names our donation."""
    donation = _pledged(db)
    unknown = _forged(donation, datetime.now(JST))
    body = stripe_clean.event_payload("payment_intent.succeeded", unknown, "evt_unknown")
    response = _post(client, stripe_clean, body)
    assert response.status_code == 422 and response.get_json()["error"] == "unknown_payment"
    strangers = foreign_intent(
        stripe_clean, amount=donation.amount_yen, metadata={"donation_id": str(donation.id)}
    )
    body = event_about(
        stripe_clean, strangers, "evt_stranger", customer=donation.stripe_customer_id
    )
    assert _post(client, stripe_clean, body).status_code == 422
    assert db.scalar(select(func.count()).select_from(WebhookEvent)) == 0
    assert db.get(Donation, donation.id, populate_existing=True).status == "pending_payment"  # type: ignore[union-attr]


def test_event_for_a_charge_without_customer_needs_our_attempt_key(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """A donation paid with a card the client brought has no customer: an event whose
    PaymentIntent id we never recorded is matched by one of our attempt keys, and a
    PaymentIntent naming the donation without such a key is refused (4xx, nothing stored)."""
    project = make_project(db)
    made = pledge(project.id, card_setup=False)
    donation = db.get(Donation, made.id, populate_existing=True)
    assert donation is not None and donation.stripe_customer_id is None
    not_ours = lost_charge(db, stripe_clean, donation, number=9, record=False)
    body = event_about(stripe_clean, not_ours, "evt_not_ours")
    assert _post(client, stripe_clean, body).status_code == 422
    assert db.scalar(select(func.count()).select_from(WebhookEvent)) == 0
    ours = lost_charge(db, stripe_clean, donation, number=1)
    body = event_about(stripe_clean, ours, "evt_ours")
    assert _post(client, stripe_clean, body).status_code == 200
    paid = db.get(Donation, made.id, populate_existing=True)
    assert paid is not None and paid.status == "paid" and paid.payment_intent_id == ours


def test_events_we_do_not_handle_are_acknowledged(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """customer.created and the like get a 200 so the gateway stops sending them."""
    body = stripe_clean.event_payload("customer.created", {"id": "cus_x"}, "evt_customer")
    response = _post(client, stripe_clean, body)
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"


def test_paid_time_and_tax_year_are_the_gateway_charges(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """The paid time (and so the JST tax year) is the time of the gateway's charge, not the
    event's arrival nor a time the payload claims (here the last second of 2026 in JST)."""
    donation = _pledged(db)
    intent_id = lost_charge(db, stripe_clean, donation)
    charged = intent_object(stripe_clean, intent_id)["latest_charge"]["created"]
    claimed = datetime(2026, 12, 31, 23, 59, 59, tzinfo=JST)
    body = event_about(
        stripe_clean,
        intent_id,
        "evt_claimed_time",
        latest_charge={"id": "ch_claimed", "created": int(claimed.timestamp())},
    )
    assert _post(client, stripe_clean, body).status_code == 200
    paid = db.get(Donation, donation.id, populate_existing=True)
    assert paid is not None and paid.paid_at == datetime.fromtimestamp(charged, UTC)
    assert paid.tax_year == tax_year(paid.paid_at)


def test_payment_failed_event_frees_the_donor_to_retry(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """A payment_failed event (3-D Secure refused at the gateway) fails the live attempt, so
    another card may be tried."""
    donation = _pledged(db)
    card = stripe_clean.confirm_setup(donation.setup_intent_id or "", TEST_CARDS["3ds"])
    needs = charges.pay(donation.id, card)
    assert needs.status == "requires_action" and needs.client_secret
    intent_id = needs.client_secret.split("_secret_")[0]
    stripe_clean.authenticate(intent_id, needs.client_secret, success=False)
    body = event_about(stripe_clean, intent_id, "evt_failed", "payment_intent.payment_failed")
    assert _post(client, stripe_clean, body).status_code == 200
    state = donation_views.state_of(donation.id)
    assert state.status == "failed" and "3Dセキュア" in state.message


def _wait_for(predicate, seconds: float = 8.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_localstripe_webhook_completes_a_three_d_secure_payment(
    committed: Engine, live_stripe: LiveServer, localstripe: LocalStripe
) -> None:
    """After 3-D Secure, localstripe's own signed webhook reaches the served app and the
    donation is paid (and the event is stored once)."""
    with Session(committed) as s:
        project = make_project(s)
        s.commit()
        project_id = project.id
    made = pledge(project_id, amount_yen=5_000)
    with Session(committed) as s:
        donation = s.get(Donation, made.id)
        assert donation is not None
        card = localstripe.confirm_setup(donation.setup_intent_id or "", TEST_CARDS["3ds"])
    needs = charges.pay(made.id, card)
    assert needs.status == "requires_action" and needs.client_secret
    localstripe.authenticate(needs.client_secret.split("_secret_")[0], needs.client_secret)

    def paid() -> bool:
        with Session(committed) as s:
            return s.get(Donation, made.id).status == "paid"  # type: ignore[union-attr]

    assert _wait_for(paid)
    with Session(committed) as s:
        events = s.scalars(select(WebhookEvent.type)).all()
        assert "payment_intent.succeeded" in events
        attempt = s.scalar(select(PaymentAttempt).where(PaymentAttempt.donation_id == made.id))
        assert attempt is not None and attempt.status == "succeeded"
        assert s.get(Project, project_id).paid_count == 1  # type: ignore[union-attr]
