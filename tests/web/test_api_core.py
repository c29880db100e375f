"""API conventions: bearer tokens, problem+json, the generated OpenAPI document."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, make_user


def test_token_for_good_credentials(client: FlaskClient, db: Session) -> None:
    """POST /api/v1/tokens returns a bearer token for a valid account."""
    user = make_user(db, "staff")
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert body["token"].startswith("fst_") and body["role"] == "staff"


def test_bad_credentials_are_a_problem_document(client: FlaskClient, db: Session) -> None:
    """Errors are application/problem+json with a stable code."""
    response = client.post("/api/v1/tokens", json={"email": "no@example.jp", "password": "x"})
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.get_json()["code"] == "bad_credentials"


def test_validation_errors_carry_a_field_map(client: FlaskClient, db: Session) -> None:
    """A missing field is named in `errors`."""
    response = client.post("/api/v1/tokens", json={"email": "a@example.jp"})
    assert response.status_code == 422
    assert "password" in response.get_json()["errors"]


def test_unknown_bearer_token_is_401(client: FlaskClient, db: Session) -> None:
    """A made-up token is refused, not treated as anonymous."""
    response = client.post(
        "/api/v1/tokens",
        json={"email": "a@example.jp", "password": "x"},
        headers={"Authorization": "Bearer fst_made_up"},
    )
    assert response.status_code == 401


def test_openapi_document_is_generated_and_valid(client: FlaskClient) -> None:
    """The OpenAPI 3.1 document lists the operations and validates against the spec."""
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/tokens" in document["paths"]
    validate(document)
