"""The donations API: pledge, pay, read; validation, idempotency and who may see what."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.models import Donation
from furusato.services import accounts
from tests.factories import make_project, make_user
from tests.support.localstripe import TEST_CARDS, LocalStripe
from tests.support.queries import count_statements


def _body(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tier_id": None,
        "amount_yen": 5_000,
        "donor": {
            "name": "寄附 太郎",
            "name_kana": "キフ タロウ",
            "email": "taro@example.jp",
            "phone": "090-1111-2222",
            "postal_code": "100-0001",
            "address": "東京都千代田区千代田1-1",
        },
        "onestop": False,
    }
    body.update(kw)
    return body


def _bearer(db: Session, user_email: str) -> dict[str, str]:
    from tests.factories import PASSWORD

    issued = accounts.issue_token(user_email, PASSWORD)
    assert issued is not None
    return {"Authorization": f"Bearer {issued[0]}"}


def test_guest_pledges_and_pays(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """A guest pledges (201 with card form and access token), saves a card and pays."""
    project = make_project(db)
    tier = project.tiers[0]
    created = client.post(
        f"/api/v1/projects/{project.id}/donations",
        json=_body(tier_id=tier.id, amount_yen=tier.amount_yen),
        headers={"Idempotency-Key": "k-1"},
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "pending_payment" and body["gift"] is True
    assert body["payment"]["setup_intent_client_secret"].startswith("seti_")
    assert body["payment"]["publishable_key"].startswith("pk_")
    token = body["access_token"]
    seti = body["payment"]["setup_intent_client_secret"].split("_secret_")[0]
    card = stripe_clean.confirm_setup(seti, TEST_CARDS["visa"])
    paid = client.post(
        f"/api/v1/donations/{body['id']}/pay",
        json={"payment_method": card},
        headers={"X-Donation-Token": token},
    )
    assert paid.status_code == 200, paid.get_json()
    assert paid.get_json()["status"] == "paid" and paid.get_json()["tax_year"] >= 2025
    seen = client.get(f"/api/v1/donations/{body['id']}", headers={"X-Donation-Token": token})
    assert seen.status_code == 200 and seen.get_json()["status"] == "paid"
    assert "access_token" not in seen.get_json() or seen.get_json()["access_token"] is None


def test_guest_pays_with_a_card_it_brought(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """card_setup false: the pledge has no client secret (no SetupIntent was made), and the
    pay call charges a PaymentMethod the client created; someone else's token is a 404."""
    project = make_project(db)
    created = client.post(
        f"/api/v1/projects/{project.id}/donations",
        json=_body(card_setup=False),
        headers={"Idempotency-Key": "brought-1"},
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["payment"]["setup_intent_client_secret"] is None
    assert body["payment_status"] == "pending"
    card = stripe_clean.payment_method(TEST_CARDS["visa"])
    stranger = client.post(
        f"/api/v1/donations/{body['id']}/pay",
        json={"payment_method": card},
        headers={"X-Donation-Token": "not-the-token"},
    )
    assert stranger.status_code == 404
    paid = client.post(
        f"/api/v1/donations/{body['id']}/pay",
        json={"payment_method": card},
        headers={"X-Donation-Token": body["access_token"]},
    )
    assert paid.status_code == 200, paid.get_json()
    assert paid.get_json()["status"] == "paid" and paid.get_json()["payment"] is None


def test_a_donation_costs_few_statements(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """The year-end hot path stays lean: a pledge is the idempotency claim, one read of the
    project, the INSERT, the cap UPDATE and the stored answer; a payment is the locked read
    and attempt INSERT, then the recorded answer (the donation with its attempt in one read,
    their two updates, the campaign's miss policy and counters, the mail's outbox row: the
    mail itself is written by the worker).
    A guard against an ORM load creeping back."""
    project = make_project(db)
    card = stripe_clean.payment_method(TEST_CARDS["visa"])
    engine = db.get_bind().engine
    with count_statements(engine) as pledging:
        created = client.post(
            f"/api/v1/projects/{project.id}/donations",
            json=_body(card_setup=False),
            headers={"Idempotency-Key": "count-1"},
        )
    assert created.status_code == 201
    body = created.get_json()
    with count_statements(engine) as paying:
        paid = client.post(
            f"/api/v1/donations/{body['id']}/pay",
            json={"payment_method": card},
            headers={"X-Donation-Token": body["access_token"]},
        )
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    assert len(pledging) <= 5, pledging
    assert len(paying) <= 8, paying


def test_retried_post_makes_one_donation(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """The same Idempotency-Key replays the first answer: one donation."""
    project = make_project(db)
    url = f"/api/v1/projects/{project.id}/donations"
    first = client.post(url, json=_body(), headers={"Idempotency-Key": "same"})
    second = client.post(url, json=_body(), headers={"Idempotency-Key": "same"})
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert db.scalar(select(func.count()).select_from(Donation)) == 1


@pytest.mark.parametrize("amount", [-5000, 0, 2000.5, 10**30, "5000", "abc", None, True, 1999])
def test_bad_amounts_are_a_422_with_a_field_map(
    client: FlaskClient, db: Session, amount: object
) -> None:
    """Negative, zero, fractional, huge, non-numeric amounts are refused field by field."""
    project = make_project(db)
    response = client.post(
        f"/api/v1/projects/{project.id}/donations", json=_body(amount_yen=amount)
    )
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert "amount_yen" in response.get_json()["errors"]
    assert db.scalar(select(func.count()).select_from(Donation)) == 0


def test_service_validation_names_the_field(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """An unknown postal code and a one-stop request without birth date are field errors."""
    project = make_project(db)
    body = _body(onestop=True)
    body["donor"]["postal_code"] = "0000000"
    response = client.post(f"/api/v1/projects/{project.id}/donations", json=body)
    assert response.status_code == 422
    assert {"postal_code", "birth_date", "gender"} <= set(response.get_json()["errors"])


def test_declined_card_is_a_402_with_a_japanese_message(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """A declined card answers 402 card_declined; a second card then pays."""
    project = make_project(db)
    body = client.post(f"/api/v1/projects/{project.id}/donations", json=_body()).get_json()
    headers = {"X-Donation-Token": body["access_token"]}
    url = f"/api/v1/donations/{body['id']}/pay"
    declined = client.post(
        url,
        json={"payment_method": stripe_clean.payment_method(TEST_CARDS["declined"])},
        headers=headers,
    )
    assert declined.status_code == 402
    assert declined.get_json()["code"] == "card_declined"
    assert "カードが承認されませんでした" in declined.get_json()["detail"]
    seti = body["payment"]["setup_intent_client_secret"].split("_secret_")[0]
    card = stripe_clean.confirm_setup(seti, TEST_CARDS["visa"])
    assert (
        client.post(url, json={"payment_method": card}, headers=headers).get_json()["status"]
        == "paid"
    )


def test_three_d_secure_returns_the_client_secret(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """A card needing authentication returns next_action with the PaymentIntent's secret."""
    project = make_project(db)
    body = client.post(f"/api/v1/projects/{project.id}/donations", json=_body()).get_json()
    seti = body["payment"]["setup_intent_client_secret"].split("_secret_")[0]
    card = stripe_clean.confirm_setup(seti, TEST_CARDS["3ds"])
    answer = client.post(
        f"/api/v1/donations/{body['id']}/pay",
        json={"payment_method": card},
        headers={"X-Donation-Token": body["access_token"]},
    ).get_json()
    assert answer["status"] == "pending_payment" and answer["payment_status"] == "requires_action"
    assert answer["next_action"]["client_secret"].startswith("pi_")


def test_who_may_read_a_donation(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """The donor (bearer) and staff read it; another donor, a wrong token or nobody get 404."""
    owner = make_user(db, "donor")
    other = make_user(db, "donor")
    staff = make_user(db, "staff")
    project = make_project(db)
    created = client.post(
        f"/api/v1/projects/{project.id}/donations", json=_body(), headers=_bearer(db, owner.email)
    ).get_json()
    url = f"/api/v1/donations/{created['id']}"
    assert client.get(url, headers=_bearer(db, owner.email)).status_code == 200
    assert client.get(url, headers=_bearer(db, staff.email)).status_code == 200
    assert client.get(url, headers=_bearer(db, other.email)).status_code == 404
    assert client.get(url, headers={"X-Donation-Token": "guess"}).status_code == 404
    assert client.get(url).status_code == 404
    pay = client.post(
        f"{url}/pay", json={"payment_method": "pm_x"}, headers=_bearer(db, other.email)
    )
    assert pay.status_code == 404


def test_postal_code_lookup(client: FlaskClient) -> None:
    """The auto-fill API gives the address and residency; bad codes are 422."""
    found = client.get("/api/v1/postal-codes/598-0005").get_json()
    assert found == {
        "postal_code": "5980005",
        "prefecture": "大阪府",
        "city": "泉佐野市",
        "town": "市場東",
        "municipality_code": "27213",
        "resident": True,
    }
    assert client.get("/api/v1/postal-codes/1000001").get_json()["resident"] is False
    for bad in ("12", "0000000", "0000000"):  # an unknown code is refused again, when cached
        response = client.get(f"/api/v1/postal-codes/{bad}")
        assert response.status_code == 422 and "postal_code" in response.get_json()["errors"]


def test_a_key_reused_for_another_body_is_a_problem(client: FlaskClient, db: Session) -> None:
    """The same Idempotency-Key with another request body is a 422 problem, and nothing new."""
    project = make_project(db)
    url = f"/api/v1/projects/{project.id}/donations"
    first = client.post(url, json=_body(card_setup=False), headers={"Idempotency-Key": "reused"})
    assert first.status_code == 201
    other = client.post(
        url, json=_body(card_setup=False, amount_yen=6_000), headers={"Idempotency-Key": "reused"}
    )
    assert other.status_code == 422 and other.content_type == "application/problem+json"
    assert other.get_json() == {
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "this Idempotency-Key was used with a different request",
        "code": "idempotency_mismatch",
        "errors": {},
    }
    assert db.scalar(select(func.count()).select_from(Donation)) == 1
