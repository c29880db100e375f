"""A paused campaign takes no payment: the payment page, the JSON pay call, the API and a new
card setup all refuse it with a clear message, and the pledge keeps its reservation until it
lapses or the campaign resumes. Money a charge started before the pause brings is recorded."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.models import Donation, PaymentAttempt, Project, Tier, User
from furusato.payments import set_gateway
from furusato.payments.stripe_gateway import StripeGateway
from furusato.services.campaigns import review
from furusato.services.errors import Conflict
from furusato.services.giving import charges, donation_views, reconcile
from tests.factories import make_project, make_tier, make_user
from tests.support.giving import donor, pledge
from tests.support.localstripe import TEST_CARDS, LocalStripe

PAUSED_JA = "このプロジェクトは現在、寄附の受付を一時停止しています。"
PAUSED_EN = "Donations to this project are paused at the moment."


def _paused_pledge(db: Session, ls: LocalStripe) -> tuple[Donation, str, User]:
    """A pledge of a limited tier with its card saved, then the campaign paused by staff."""
    project = make_project(db, tiers=0)
    tier = make_tier(db, project, quantity_limit=3)
    made = pledge(project.id, tier_id=tier.id)
    donation = db.get(Donation, made.id, populate_existing=True)
    assert donation is not None and donation.setup_intent_id
    card = ls.confirm_setup(donation.setup_intent_id, TEST_CARDS["visa"])
    staff = make_user(db, "staff")
    review.pause(staff, project.id, "事業者の確認中のため")
    return donation, card, staff


def _held(db: Session, donation: Donation) -> tuple[str, object, int, int, int]:
    """The pledge and what it holds: status, reservation end, tier units, cap room, attempts."""
    fresh = db.get(Donation, donation.id, populate_existing=True)
    project = db.get(Project, donation.project_id, populate_existing=True)
    tier = db.get(Tier, donation.tier_id, populate_existing=True)
    assert fresh is not None and project is not None and tier is not None
    attempts = db.scalar(
        select(func.count())
        .select_from(PaymentAttempt)
        .where(PaymentAttempt.donation_id == donation.id)
    )
    return (
        fresh.status,
        fresh.reserved_until,
        tier.reserved_count,
        project.reserved_total_yen,
        int(attempts or 0),
    )


def test_paying_a_pledge_of_a_paused_campaign_is_refused_everywhere(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """The service, the payment page's pay call (Japanese, and English on an English page) and
    the API's pay refuse with the paused message; no charge reaches the gateway and the
    reservation is untouched. Once the campaign resumes, the same pledge pays."""
    donation, card, staff = _paused_pledge(db, stripe_clean)
    before = _held(db, donation)
    assert before[0] == "pending_payment" and before[2:] == (1, donation.amount_yen, 0)
    try:
        charges.pay(donation.id, card)
    except Conflict as exc:
        assert exc.code == "campaign_paused" and exc.message.startswith(PAUSED_JA)
    else:
        raise AssertionError("a paused campaign's pledge was charged")
    page_pay = client.post(f"/donations/{donation.access_token}/pay", json={"payment_method": card})
    assert page_pay.status_code == 409 and PAUSED_JA in page_pay.get_json()["message"]
    client.set_cookie("lang", "en")
    english = client.post(f"/donations/{donation.access_token}/pay", json={"payment_method": card})
    assert english.status_code == 409 and PAUSED_EN in english.get_json()["message"]
    api_pay = client.post(
        f"/api/v1/donations/{donation.id}/pay",
        json={"payment_method": card},
        headers={"X-Donation-Token": donation.access_token},
    )
    assert api_pay.status_code == 409 and api_pay.get_json()["code"] == "campaign_paused"
    assert _held(db, donation) == before
    assert stripe_clean.payment_intents(customer=donation.stripe_customer_id) == []
    review.resume(staff, donation.project_id)
    assert charges.pay(donation.id, card).status == "paid"


def test_the_payment_page_of_a_paused_campaign_says_so(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """The payment page shows why it cannot be paid now instead of the card form."""
    donation, _card, _staff = _paused_pledge(db, stripe_clean)
    page = client.get(f"/donations/{donation.access_token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert PAUSED_JA in html and 'id="pay-form"' not in html
    assert donation_views.state_of(donation.id).status == "paused"


def test_no_new_card_setup_for_a_paused_campaign(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """A pledge whose card setup failed (the gateway was down: a 503 the client may retry with
    the same Idempotency-Key) and whose campaign was paused meanwhile gets no SetupIntent on
    the retry: the retry is refused with the paused message."""
    project = make_project(db)
    details = donor()
    body = {
        "amount_yen": 10_000,
        "donor": {
            "name": details.name,
            "name_kana": details.name_kana,
            "email": details.email,
            "phone": details.phone,
            "postal_code": details.postal_code,
            "address": details.address,
        },
    }
    url = f"/api/v1/projects/{project.id}/donations"
    set_gateway(StripeGateway("sk_test_x", "pk_test_x", "whsec_x", api_base="http://127.0.0.1:9"))
    try:
        first = client.post(url, json=body, headers={"Idempotency-Key": "paused-1"})
    finally:
        set_gateway(None)
    assert first.status_code == 503
    review.pause(make_user(db, "staff"), project.id, "確認中")
    retry = client.post(url, json=body, headers={"Idempotency-Key": "paused-1"})
    assert retry.status_code == 409 and retry.get_json()["code"] == "campaign_paused"
    donation = db.scalar(select(Donation).where(Donation.project_id == project.id))
    assert donation is not None and donation.status == "pending_payment"
    assert donation.setup_intent_id is None and donation.stripe_customer_id is None


def test_a_charge_started_before_the_pause_is_recorded(
    db: Session, stripe_clean: LocalStripe
) -> None:
    """3-D Secure completed after staff paused the campaign: the money was taken, so the
    donation is recorded as paid."""
    project = make_project(db)
    made = pledge(project.id)
    donation = db.get(Donation, made.id, populate_existing=True)
    assert donation is not None and donation.setup_intent_id
    card = stripe_clean.confirm_setup(donation.setup_intent_id, TEST_CARDS["3ds"])
    needs = charges.pay(made.id, card)
    assert needs.status == "requires_action" and needs.client_secret
    review.pause(make_user(db, "staff"), project.id, "確認中")
    stripe_clean.authenticate(needs.client_secret.split("_secret_")[0], needs.client_secret)
    assert reconcile.check(made.id) == "succeeded"
    paid = db.get(Donation, made.id, populate_existing=True)
    assert paid is not None and paid.status == "paid"
