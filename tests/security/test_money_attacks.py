"""Attacks on money: hostile amounts, other people's donations, replayed, forged and stray
webhooks. Webhooks are signed here by Stripe's scheme with the test secret from the settings:
Stripe-Signature: t=<unix time>,v1=HMAC-SHA256(secret, f"{t}.{body}")."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.models import AuditLog, Donation, PaymentAttempt, Project, WebhookEvent
from tests.factories import make_project
from tests.security.world import World, build_world
from tests.support.gateway_events import event_about, foreign_intent, lost_charge
from tests.support.giving import donor, pledge
from tests.support.localstripe import LocalStripe

HOSTILE_AMOUNTS: list[Any] = [
    -10_000,
    0,
    1,
    1_999,
    1000.5,
    1e3,
    "1e3",
    "5000",
    10**20,
    2**63,
    "abc",
    None,
    True,
    [10_000],
]


def _count(db: Session, model: type, *where: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _body(amount: Any) -> dict[str, Any]:
    details = donor()
    return {
        "amount_yen": amount,
        "donor": {
            "name": details.name,
            "name_kana": details.name_kana,
            "email": details.email,
            "phone": details.phone,
            "postal_code": details.postal_code,
            "address": details.address,
        },
    }


@pytest.mark.parametrize("amount", HOSTILE_AMOUNTS, ids=repr)
def test_api_pledge_with_a_hostile_amount_is_a_422_field_map(
    client: FlaskClient, db: Session, amount: Any
) -> None:
    """Negative, zero, below the minimum, fractional, exponent strings, numeric strings, huge,
    non-numeric, null, boolean, list: 422 problem+json naming amount_yen; nothing created."""
    project = make_project(db)
    before = _count(db, Donation)
    response = client.post(f"/api/v1/projects/{project.id}/donations", json=_body(amount))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422 and "amount_yen" in problem["errors"]
    assert _count(db, Donation) == before


@pytest.mark.parametrize("amount", ["-10000", "0", "1999", "1000.5", "1e3", "10" * 10, "abc", ""])
def test_give_form_with_a_hostile_amount_is_refused(
    client: FlaskClient, db: Session, amount: str
) -> None:
    """The giving form answers 422 with the error at the amount field; nothing is created."""
    project = make_project(db)
    details = donor()
    form = {
        "tier": "",
        "amount_yen": amount,
        "name": details.name,
        "name_kana": details.name_kana,
        "email": details.email,
        "phone": details.phone,
        "postal_code": details.postal_code,
        "address": details.address,
        "agree": "y",
        "creation_token": f"attack-{amount}",
    }
    response = client.post(f"/projects/{project.id}/give", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="amount_yen"' in page and "error" in page
    assert _count(db, Donation) == 0


@pytest.mark.parametrize("amount", [-1, 0, 1999, 1000.5, "1e3", 10**20, "abc"])
def test_tier_amount_attacks_are_refused(client: FlaskClient, db: Session, amount: Any) -> None:
    """A business's tier with a hostile amount is a 422 naming amount_yen; no tier added."""
    world = build_world(db)
    project = db.get(Project, world.ids["draft_a"])
    assert project is not None
    tiers_before = len(project.tiers)
    response = client.post(
        f"/api/v1/projects/{project.id}/tiers",
        json={"amount_yen": amount},
        headers=world.bearer("business_a"),
    )
    assert response.status_code == 422 and "amount_yen" in response.get_json()["errors"]
    db.refresh(project)
    assert len(project.tiers) == tiers_before


@pytest.fixture
def pending(db: Session, stripe_clean: LocalStripe) -> tuple[World, Donation]:
    """The world plus a pending donation of donor A, its card form ready at localstripe."""
    world = build_world(db)
    made = pledge(int(world.ids["project_b"]), user_id=world.users["donor_a"].id)
    donation = db.get(Donation, made.id, populate_existing=True)
    assert donation is not None and donation.stripe_customer_id
    return world, donation


def test_another_donors_donation_cannot_be_read_or_paid(
    client: FlaskClient, db: Session, pending: tuple[World, Donation]
) -> None:
    """Donor B, a business, a stranger with B's access token or a guessed one: 404 on read and
    pay, and no charge is attempted; donor A and A's token get through (control)."""
    world, donation = pending
    url = f"/api/v1/donations/{donation.id}"
    other_token = {"X-Donation-Token": str(world.ids["token_a"])}  # a different donation's
    for headers in (
        world.bearer("donor_b"),
        world.bearer("business_b"),
        {},
        other_token,
        {"X-Donation-Token": donation.access_token[:-1] + "x"},
    ):
        assert client.get(url, headers=headers).status_code == 404, headers
        paid = client.post(f"{url}/pay", json={"payment_method": "pm_card_visa"}, headers=headers)
        assert paid.status_code == 404, headers
    assert _count(db, PaymentAttempt, PaymentAttempt.donation_id == donation.id) == 0
    assert client.get(url, headers=world.bearer("donor_a")).status_code == 200
    token = {"X-Donation-Token": donation.access_token}
    assert client.get(url, headers=token).get_json()["status"] == "pending_payment"


def test_payment_pages_need_the_whole_token(client: FlaskClient, db: Session) -> None:
    """A short or partial access token is a 404 on the payment page, its pay call and status."""
    world = build_world(db)
    token = str(world.ids["token_a"])
    for guess in (token[:8], token[:-1], "x" * 19, "0" * 32):
        assert client.get(f"/donations/{guess}").status_code == 404
        assert client.get(f"/donations/{guess}/status").status_code == 404
        pay = client.post(f"/donations/{guess}/pay", json={"payment_method": "pm_card_visa"})
        assert pay.status_code == 404


# --- webhooks ---------------------------------------------------------------------------------


def _sign(body: bytes, *, secret: str | None = None, at: int | None = None) -> str:
    """Stripe's scheme: v1 is HMAC-SHA256 over "<t>.<body>" with the endpoint's secret."""
    t = int(time.time()) if at is None else at
    key = (secret or get_settings().stripe_webhook_secret).encode()
    return f"t={t},v1={hmac.new(key, f'{t}.'.encode() + body, hashlib.sha256).hexdigest()}"


def _event(donation: Donation, event_id: str, **obj: Any) -> bytes:
    payload = {
        "id": f"pi_attack_{donation.id}",
        "object": "payment_intent",
        "amount": donation.amount_yen,
        "currency": "jpy",
        "customer": donation.stripe_customer_id,
        "status": "succeeded",
        "metadata": {"donation_id": str(donation.id)},
        "latest_charge": {"id": f"ch_attack_{donation.id}", "created": int(time.time())},
    }
    payload.update(obj)
    event = {
        "id": event_id,
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": payload},
    }
    return json.dumps(event).encode()


def _deliver(client: FlaskClient, body: bytes, signature: str) -> Any:
    return client.post(
        "/webhooks/stripe",
        data=body,
        headers={"Stripe-Signature": signature},
        content_type="application/json",
    )


def _state(db: Session, donation: Donation) -> tuple[str, int, int, int]:
    fresh = db.get(Donation, donation.id, populate_existing=True)
    project = db.get(Project, donation.project_id, populate_existing=True)
    assert fresh is not None and project is not None
    return fresh.status, project.paid_count, project.paid_total_yen, _count(db, WebhookEvent)


def test_replayed_event_pays_once(
    client: FlaskClient, db: Session, pending: tuple[World, Donation], stripe_clean: LocalStripe
) -> None:
    """The same signed event three times, and a second event about the same payment: the
    donation is paid once, the campaign counts it once."""
    _, donation = pending
    _, count, total, _ = _state(db, donation)
    intent_id = lost_charge(db, stripe_clean, donation)
    body = event_about(stripe_clean, intent_id, "evt_attack_replay")
    outcomes = [_deliver(client, body, _sign(body)).get_json()["outcome"] for _ in range(3)]
    assert outcomes == ["applied", "duplicate", "duplicate"]
    again = event_about(stripe_clean, intent_id, "evt_attack_other_id")
    assert _deliver(client, again, _sign(again)).status_code == 200
    assert _state(db, donation)[:3] == ("paid", count + 1, total + donation.amount_yen)


def test_captured_event_replayed_later_is_refused(
    client: FlaskClient, db: Session, pending: tuple[World, Donation]
) -> None:
    """A correctly signed event whose timestamp is an hour old (a captured delivery sent
    again) is a 400 and changes nothing."""
    _, donation = pending
    before = _state(db, donation)
    body = _event(donation, "evt_attack_old")
    response = _deliver(client, body, _sign(body, at=int(time.time()) - 3600))
    assert response.status_code == 400
    assert _state(db, donation) == before


@pytest.mark.parametrize(
    "forge",
    ["other secret", "tampered amount", "tampered after signing", "no v1", "garbage", "empty"],
)
def test_forged_webhook_is_400_and_changes_nothing(
    client: FlaskClient, db: Session, pending: tuple[World, Donation], forge: str
) -> None:
    """Signatures with another secret, over another body, without v1, malformed or missing:
    400, and the donation stays unpaid with no event stored."""
    _, donation = pending
    before = _state(db, donation)
    body = _event(donation, f"evt_attack_{forge.replace(' ', '_')}")
    signature = _sign(body)
    if forge == "other secret":
        signature = _sign(body, secret="whsec_attacker")
    elif forge == "tampered amount":
        body = body.replace(f'"amount": {donation.amount_yen}'.encode(), b'"amount": 1')
    elif forge == "tampered after signing":
        body = body.replace(b'"livemode": false', b'"livemode": true')
    elif forge == "no v1":
        signature = signature.split(",")[0]
    elif forge == "garbage":
        signature = "t=abc,v1=zz"
    else:
        signature = ""
    assert _deliver(client, body, signature).status_code == 400
    assert _state(db, donation) == before


def test_event_for_an_unknown_payment_is_refused(
    client: FlaskClient, db: Session, pending: tuple[World, Donation]
) -> None:
    """A signed event about a payment we never started, even with metadata naming our
    donation, is a clear 422 (unknown_payment) and changes nothing."""
    _, donation = pending
    before = _state(db, donation)
    stray = _event(donation, "evt_attack_stray", customer="cus_attacker", id="pi_not_ours")
    response = _deliver(client, stray, _sign(stray))
    assert response.status_code == 422 and response.get_json()["error"] == "unknown_payment"
    nameless = _event(donation, "evt_attack_nameless", id="pi_nameless", metadata={})
    assert _deliver(client, nameless, _sign(nameless)).status_code == 422
    assert _state(db, donation) == before


def test_event_for_another_amount_does_not_pay_the_donation(
    client: FlaskClient, db: Session, pending: tuple[World, Donation], stripe_clean: LocalStripe
) -> None:
    """A 50-yen payment of the donor's customer naming a 10,000-yen donation does not make it
    paid, whatever amount its event claims."""
    _, donation = pending
    intent_id = foreign_intent(
        stripe_clean,
        amount=50,
        customer=donation.stripe_customer_id,
        metadata={"donation_id": str(donation.id)},
    )
    body = event_about(stripe_clean, intent_id, "evt_attack_fifty_yen", amount=donation.amount_yen)
    _deliver(client, body, _sign(body))
    assert _state(db, donation)[0] == "pending_payment"
    flagged = db.scalar(
        select(AuditLog).where(
            AuditLog.action == "payment.amount_mismatch", AuditLog.target_id == str(donation.id)
        )
    )
    assert flagged is not None and flagged.after["reported_amount_yen"] == 50


def test_staff_and_businesses_cannot_pay_for_donors(client: FlaskClient, db: Session) -> None:
    """The pay call is the donor's: staff without the access token get 404 too."""
    world = build_world(db)
    url = f"/api/v1/donations/{world.ids['donation_a']}/pay"
    for actor in ("staff", "business_a"):
        response = client.post(url, json={"payment_method": "pm_x"}, headers=world.bearer(actor))
        assert response.status_code == 404
