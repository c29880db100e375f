"""GET /api/v1/deduction-estimate: the estimate as JSON, and 422 for bad input."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from furusato.web.public_deduction import default_year


def test_estimate_for_a_single_earner(client: FlaskClient) -> None:
    """5,000,000 yen, single, 2025 → about 61,000 yen, with the breakdown."""
    response = client.get("/api/v1/deduction-estimate?salary_yen=5000000&family=single&year=2025")
    assert response.status_code == 200
    body = response.get_json()
    assert body["cap_yen"] == 61_000 and body["cap_exact_yen"] == 61_029
    assert body["resident_levy_yen"] == 235_500 and body["formula_rate_bp"] == 1_000
    assert body["year"] == 2025 and body["family"] == "single"
    assert "概算" in body["note"]


def test_family_lowers_the_cap_and_year_defaults(client: FlaskClient) -> None:
    """A spouse and a student lower the cap; without `year` this year's table is used."""
    single = client.get("/api/v1/deduction-estimate?salary_yen=6000000").get_json()
    family = client.get(
        "/api/v1/deduction-estimate?salary_yen=6000000&family=couple_child_univ"
    ).get_json()
    assert family["cap_yen"] < single["cap_yen"]
    assert single["year"] == default_year()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("salary_yen=-1", "salary_yen"),
        ("salary_yen=abc", "salary_yen"),
        ("salary_yen=5000000&family=triple", "family"),
        ("salary_yen=5000000&year=1999", "year"),
        ("salary_yen=5000000&year=twenty", "year"),
        ("family=single", "salary_yen"),
        ("salary_yen=99999999999", "salary_yen"),
    ],
)
def test_bad_input_is_422_naming_the_field(client: FlaskClient, query: str, field: str) -> None:
    """Negative, non-numeric, unknown family, unsupported year: a problem naming the field."""
    response = client.get(f"/api/v1/deduction-estimate?{query}")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_operation_is_in_the_openapi_document(client: FlaskClient) -> None:
    """The estimate is documented with its query parameters and the document stays valid."""
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/deduction-estimate"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"salary_yen", "family", "year"}
    validate(document)
