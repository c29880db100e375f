"""Malformed input on every route is a 4xx, never a server error: ids too large for the
database, NUL characters (PostgreSQL text cannot hold them), and the API's answer format."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato import create_app
from furusato.models import Project, User
from tests.conftest import login
from tests.security.matrix import Route, routes
from tests.security.world import World, build_world

ROUTES = routes(create_app({"TESTING": True, "TASK_SENDER": "none"}))
INT_ROUTES = [r for r in ROUTES if "<int:" in r.rule]
HUGE_IDS = (2**31, 10**20)


def _with_ids(route: Route, value: int) -> str:
    return re.sub(r"<int:\w+>", str(value), re.sub(r"<(?!int:)[^>]+>", "x", route.rule))


@pytest.mark.parametrize("route", INT_ROUTES, ids=lambda r: r.key)
def test_ids_beyond_the_database_are_404(app: Flask, db: Session, route: Route) -> None:
    """An id larger than an INTEGER column holds matches no route: 404 (or the router's 405),
    problem+json on the API, even for staff, instead of a database error."""
    world = build_world(db)
    client = app.test_client()
    login(client, world.users["staff"])
    for value in HUGE_IDS:
        response = client.open(_with_ids(route, value), method=route.method)
        assert response.status_code in (404, 405), (value, response.status_code)
        if route.is_api:
            assert response.mimetype == "application/problem+json"


def test_nul_in_any_query_string_is_400(app: Flask, db: Session) -> None:
    """Every GET page and API operation read with a NUL in its query string answers 400."""
    world: World = build_world(db)
    client = app.test_client()
    login(client, world.users["staff"])
    failures = []
    for route in ROUTES:
        if route.method != "GET":
            continue
        url = _with_ids(route, int(world.ids["project_a"])) + "?q=a%00b&year=a%00&status=%00"
        response = client.get(url, headers=world.bearer("staff") if route.is_api else {})
        if response.status_code != 400:
            failures.append(f"{route.key}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_nul_in_form_fields_is_400_and_stores_nothing(app: Flask, db: Session) -> None:
    """Sign-up, a project draft and a staff reason with a NUL character: 400, nothing saved."""
    world = build_world(db)
    client = app.test_client()
    signup = client.post(
        "/signup",
        data={"display_name": "a\x00b", "email": "nul@example.jp", "password": "long-enough-1"},
    )
    assert signup.status_code == 400
    login(client, world.users["business_a"])
    draft = client.post("/business/projects/new", data={"title": "a\x00b", "eligible_cost_yen": 1})
    assert draft.status_code == 400
    login(client, world.users["staff"])
    pause = client.post(f"/staff/campaigns/{world.ids['project_a']}/pause", data={"reason": "\x00"})
    assert pause.status_code == 400
    assert db.scalar(select(User).where(User.email == "nul@example.jp")) is None
    assert db.scalar(select(Project).where(Project.title.startswith("a"))) is None
    assert db.get(Project, world.ids["project_a"]).status == "approved"  # type: ignore[union-attr]


def test_nul_in_an_api_body_is_a_422_field_map(app: Flask, db: Session) -> None:
    """A JSON body with a NUL in a text field is a 422 naming the field (not a 500)."""
    world = build_world(db)
    response = app.test_client().post(
        f"/api/v1/projects/{world.ids['draft_a']}/tiers",
        json={"amount_yen": 10_000, "gift_name": "タオル\x00"},
        headers=world.bearer("business_a"),
    )
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == {"gift_name": "改行や制御文字は入力できません。"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount_yen", 10**20),
        ("procurement_cost_yen", 10**20),
        ("shipping_cost_yen", 2**63),
        ("quantity_limit", 2**31),
    ],
)
def test_huge_tier_numbers_are_refused_by_field(
    app: Flask, db: Session, field: str, value: int
) -> None:
    """Numbers no donation or column can hold are a 422 naming the field, nothing stored."""
    world = build_world(db)
    body = {"amount_yen": 10_000, field: value}
    response = app.test_client().post(
        f"/api/v1/projects/{world.ids['draft_a']}/tiers",
        json=body,
        headers=world.bearer("business_a"),
    )
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_huge_eligible_cost_is_refused_by_field(app: Flask, db: Session) -> None:
    """An eligible cost whose target and cap could not be stored is a 422, not a 500."""
    world = build_world(db)
    response = app.test_client().post(
        "/api/v1/projects",
        json={"title": "巨大な計画", "eligible_cost_yen": 10**20},
        headers=world.bearer("business_a"),
    )
    assert response.status_code == 422 and "eligible_cost_yen" in response.get_json()["errors"]


def test_unknown_api_path_and_method_answer_problem_json(app: Flask) -> None:
    """The API never answers with an HTML page: unknown paths and routing errors are problems."""
    client = app.test_client()
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    wrong = client.delete("/api/v1/projects")
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
    assert set(wrong.headers["Allow"].split(", ")) >= {"GET", "POST"}


EDGE_NUMBERS = ("0", "-1", "99999", str(2**31 - 1), str(10**20))
NUMERIC_ARGS = ("page", "year", "tier", "tier_id", "month", "salary_yen", "target_id")


def test_edge_numbers_in_paths_and_queries_are_never_a_500(app: Flask, db: Session) -> None:
    """Every GET route as staff and as its owner, with each integer in the path and each
    numeric query argument set to 0, -1, 99999, the largest INTEGER and 10**20: no 5xx."""
    world = build_world(db)
    clients = {}
    for actor in ("staff", "business_a", "donor_a"):
        clients[actor] = app.test_client()
        login(clients[actor], world.users[actor])
    failures = []
    for route in ROUTES:
        if route.method != "GET":
            continue
        for number in EDGE_NUMBERS:
            path = _with_ids(route, int(world.ids["project_a"]))
            if "<int:" in route.rule:
                path = re.sub(r"<int:\w+>", number, re.sub(r"<(?!int:)[^>]+>", "x", route.rule))
            query = "&".join(f"{name}={number}" for name in NUMERIC_ARGS)
            for actor, client in clients.items():
                headers = world.bearer(actor) if route.is_api else {}
                for url in (
                    f"{path}?{query}",
                    f"{_with_ids(route, int(world.ids['project_a']))}?{query}",
                ):
                    try:  # the test app re-raises a view's exception: that is a 500 too
                        status = client.get(url, headers=headers).status_code
                    except Exception as exc:
                        status, url = 500, f"{url} ({type(exc).__name__}: {str(exc)[:60]})"
                    if status >= 500:
                        failures.append(f"{route.key} as {actor}: {url} -> {status}")
    assert not failures, "\n".join(sorted(set(failures)))
