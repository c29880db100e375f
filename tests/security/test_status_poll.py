"""The payment page's status poll with a charge the gateway does not know: it answers, never 500."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from furusato.models import PaymentAttempt
from tests.factories import make_donation, make_project
from tests.support.localstripe import LocalStripe


def test_the_poll_of_a_charge_the_gateway_does_not_know_says_checking(
    db: Session, client: FlaskClient, stripe_clean: LocalStripe
) -> None:
    """A stored PaymentIntent id the gateway answers 404 for leaves the attempt as it is and
    the poll answers "processing" (the sweep leaves it for staff), not a server error."""
    project = make_project(db)
    donation = make_donation(db, project, status="pending_payment", tier=None, amount_yen=5_000)
    attempt = PaymentAttempt(
        donation_id=donation.id,
        kind="charge",
        key=f"donation:{donation.id}:charge:1",
        status="unknown",
        amount_yen=5_000,
        gateway_object_id="pi_the_gateway_never_heard_of",
    )
    db.add(attempt)
    db.flush()
    answer = client.get(f"/donations/{donation.access_token}/status")
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "processing"
    db.refresh(attempt)
    assert (attempt.status, attempt.gateway_object_id) == (
        "unknown",
        "pi_the_gateway_never_heard_of",
    )
