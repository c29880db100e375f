"""Whole numbers are whole numbers: every yen amount and count in an API body is a JSON integer
within bounds (no true, no 5000.5, no "5000"), and every integer in a query string, on the
pages and in the API, is parsed by one bounded parser: absurd values are a 400 page (the API:
a 422 problem) naming the parameter, never a 500 and never silently another number."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from furusato.web.api.core import REGISTRY, Operation
from tests.conftest import login
from tests.security.world import World, build_world

ROOT = Path(__file__).resolve().parents[2]

# Absurd query values: each is refused by every integer parameter.
ABSURD_QUERY = {
    "huge": "99999999999999999999",
    "negative": "-1",
    "bool": "true",
    "float": "2025.5",
    "whole float": "2025.0",
    "exponent": "1e3",
    "sign": "+2025",
    "underscore": "2_025",
    "hex": "0x7e9",
    "spaces": " 2025 ",
    "words": "twenty",
}

# (method and path, parameter, actor, how the route answers a refused value)
#   "page": a 400 page naming the parameter; "form": the form again, 422, with its message;
#   "api": a 422 problem whose field map names the parameter.
QUERY_ROUTES = [
    ("/staff/reports", "fy", "staff", "page"),
    ("/staff/onestop", "year", "staff", "page"),
    ("/staff/audit", "page", "staff", "page"),
    ("/projects", "page", "anonymous", "page"),
    ("/projects/{project_a}/give", "tier", "anonymous", "page"),
    ("/business/projects/{project_a}/shipments", "tier", "business_a", "page"),
    ("/deduction-estimate?family=single", "salary_yen", "anonymous", "form"),
    ("/api/v1/deduction-estimate?family=single", "salary_yen", "anonymous", "api"),
    ("/api/v1/deduction-estimate?salary_yen=5000000", "year", "anonymous", "api"),
    ("/api/v1/exports/onestop-notifications?format=json", "year", "staff", "api"),
    ("/api/v1/projects/{project_a}/shipments", "tier_id", "business_a", "api"),
]


def _client(app: Flask, world: World, actor: str) -> tuple[FlaskClient, dict[str, str]]:
    client = app.test_client()
    if actor != "anonymous":
        login(client, world.users[actor])
    return client, world.bearer(actor)


def _url(path: str, world: World, name: str, value: str) -> str:
    from urllib.parse import quote

    path = path.format(**world.ids)
    return f"{path}{'&' if '?' in path else '?'}{name}={quote(value, safe='')}"


@pytest.mark.parametrize(("path", "name", "actor", "answer"), QUERY_ROUTES)
def test_absurd_query_integers_are_refused_by_name(
    app: Flask, db: Session, path: str, name: str, actor: str, answer: str
) -> None:
    """Huge, negative, boolean, fractional and other non-integers in an integer parameter:
    refused with the parameter named (never a 500, never read as another number)."""
    world = build_world(db)
    client, headers = _client(app, world, actor)
    failures = []
    for label, value in ABSURD_QUERY.items():
        response = client.get(_url(path, world, name, value), headers=headers)
        body = response.get_data(as_text=True)
        if answer == "api":
            ok = response.status_code == 422 and name in response.get_json()["errors"]
        elif answer == "form":
            ok = response.status_code == 422 and "has-error" in body
        else:
            ok = response.status_code == 400 and f"「{name}」" in body
        if not ok:
            failures.append(f"{label} {value!r}: {response.status_code} {body[:120]!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("path", "name", "actor", "answer"), QUERY_ROUTES)
def test_an_empty_query_integer_is_the_default_or_named(
    app: Flask, db: Session, path: str, name: str, actor: str, answer: str
) -> None:
    """An empty value on a page means "not given" (its default, 200; the deduction form asks
    for it again); the API's document says integer, so it is refused naming the parameter."""
    world = build_world(db)
    client, headers = _client(app, world, actor)
    response = client.get(_url(path, world, name, ""), headers=headers)
    if answer == "api":
        assert response.status_code == 422 and name in response.get_json()["errors"]
    elif answer == "form":
        assert response.status_code == 422 and "has-error" in response.get_data(as_text=True)
    else:
        assert response.status_code == 200


def test_the_refusal_page_speaks_the_readers_language(app: Flask, db: Session) -> None:
    """The 400 page names the parameter and its bounds, in English on English pages."""
    world = build_world(db)
    client, _ = _client(app, world, "staff")
    page = client.get("/staff/reports?fy=99999999999999999999").get_data(as_text=True)
    assert "「fy」には2008から2100までの整数を指定してください。" in page
    client.set_cookie("lang", "en")
    english = client.get("/staff/reports?fy=-1").get_data(as_text=True)
    assert "“fy” must be a whole number from 2008 to 2100." in english


# Absurd JSON values for an integer field of a body (JSON text, as a client would send it).
ABSURD_JSON = {
    "true": "true",
    "false": "false",
    "fraction": "5000.5",
    "whole float": "5000.0",
    "exponent": "5e3",
    "string": '"5000"',
    "negative": "-1",
    "huge": str(10**20),
    "null for a required number": "null",
}

# Staff bodies are sent by the 個人番号事務取扱担当者, who may call every staff operation
# (the notification export included).
BODY_ACTOR = {"business": "business_a", "staff": "mynumber_officer", "donor": "donor_a"}


def _int_fields(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The integer properties of a body schema (plain or nullable), with their schemas."""
    found = {}
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf", [prop])
        for option in options:
            if option.get("type") == "integer":
                found[name] = {**option, "required": name in schema.get("required", [])}
    return found


BODY_CASES = [
    (op, name, field)
    for op in REGISTRY
    if op.body is not None
    for name, field in _int_fields(op.body.model_json_schema()).items()
]


def test_the_api_has_integer_body_fields_to_check() -> None:
    """The table below covers the yen amounts and counts of the project, tier, donation and
    payout bodies (so the test cannot pass by finding nothing)."""
    covered = {(op.endpoint, name) for op, name, _ in BODY_CASES}
    assert {
        ("update_project", "eligible_cost_yen"),
        ("add_project_tier", "amount_yen"),
        ("add_project_tier", "quantity_limit"),
        ("create_donation", "amount_yen"),
        ("prepare_payout", "confirmed_amount_yen"),
    } <= covered


@pytest.mark.parametrize(
    ("op", "name", "field"), BODY_CASES, ids=[f"{op.endpoint}.{name}" for op, name, _ in BODY_CASES]
)
def test_integer_body_fields_are_strict_and_bounded(
    app: Flask, db: Session, op: Operation, name: str, field: dict[str, Any]
) -> None:
    """Each integer of each API body declares both bounds, and true, 5000.5, 5000.0, "5000",
    a negative or huge number is a 422 naming the field; nothing is stored."""
    assert "minimum" in field and "maximum" in field, f"{op.endpoint}.{name} is unbounded"
    world = build_world(db)
    client = app.test_client()
    role = next((r for r in op.roles if r in BODY_ACTOR), None)
    headers = world.bearer(BODY_ACTOR[role]) if role else {}
    path = re.sub(r"<int:(\w+)>", lambda m: str(_id_for(world, m.group(1))), op.rule)
    failures = []
    for label, raw in ABSURD_JSON.items():
        if label.startswith("null") and not field["required"]:
            continue
        if label == "negative" and field["minimum"] < 0:
            continue
        body = f'{{"{name}": {raw}}}'
        response = client.open(
            f"/api/v1{path}",
            method=op.method,
            data=body,
            content_type="application/json",
            headers=headers,
        )
        errors = (response.get_json(silent=True) or {}).get("errors", {})
        if response.status_code != 422 or name not in errors:
            failures.append(f"{label} {raw}: {response.status_code} {json.dumps(errors)[:160]}")
    assert not failures, "\n".join(failures)


def _id_for(world: World, path_name: str) -> int | str:
    return {
        "project_id": world.ids["draft_a"],
        "payout_id": world.ids["payout_a"],
        "donation_id": world.ids["donation_a"],
        "shipment_id": world.ids["shipment_a"],
    }.get(path_name, 1)


def test_patch_with_true_as_yen_changes_nothing(app: Flask, db: Session) -> None:
    """The finding itself: PATCH a project's eligible cost with `true` is refused, the cost
    stays what it was."""
    world = build_world(db)
    client = app.test_client()
    url = f"/api/v1/projects/{world.ids['draft_a']}"
    headers = world.bearer("business_a")
    before = client.get(url, headers=headers).get_json()["eligible_cost_yen"]
    response = client.patch(url, json={"eligible_cost_yen": True}, headers=headers)
    assert response.status_code == 422 and "eligible_cost_yen" in response.get_json()["errors"]
    assert client.get(url, headers=headers).get_json()["eligible_cost_yen"] == before
    ok = client.patch(url, json={"eligible_cost_yen": 1_200_000}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["eligible_cost_yen"] == 1_200_000


def test_no_page_reads_an_integer_from_the_query_string_by_itself() -> None:
    """Pages and API operations read integers from the query string only through the one
    bounded parser (furusato.web.numbers): no `type=int`, no int() of request data."""
    offenders = []
    for path in sorted((ROOT / "platform/furusato/web").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"args\.get\([^)]*type=int|int\(\s*request\.|int\(\s*raw\b", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "-1", "1.5"])
def test_integer_form_values_are_refused_not_a_500(app: Flask, db: Session, value: str) -> None:
    """Integers posted in forms outside WTForms' own fields (the give page's tier, the one-stop
    export's year) go through the same parser: a refusal, never a 500, nothing made."""
    from furusato.models import Donation
    from tests.support.giving import give_form

    world = build_world(db)
    count = db.query(Donation).count()
    give = app.test_client().post(
        f"/projects/{world.ids['project_a']}/give", data=give_form(tier=value)
    )
    assert give.status_code == 400 and "「tier」" in give.get_data(as_text=True)
    assert db.query(Donation).count() == count
    staff, _ = _client(app, world, "mynumber_officer")
    export = staff.post("/staff/onestop/export", data={"year": value})
    assert export.status_code == 400 and "「year」" in export.get_data(as_text=True)
