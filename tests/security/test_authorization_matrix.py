"""The authorisation matrix: every route of the app × anonymous, two donors, two businesses and
staff, with the status each must get, generated from the url_map and the rules in rules.py."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import sessionmaker

from furusato import create_app
from furusato.db import use_session_factory
from tests.security.matrix import (
    Route,
    access_roles,
    call,
    expected,
    problems,
    role_allows,
    routes,
)
from tests.security.rules import ACTORS, BUSINESS_A, DONOR_A, OFFICER, RULES, STAFF, Rule
from tests.security.world import DONOR_A_ADDRESS, DONOR_A_NAME, World, build_world

# Built at collection so that every route, including tomorrow's, becomes a test case.
ROUTES = routes(create_app({"TESTING": True, "TASK_SENDER": "none"}))
# Who may legitimately read donor A's name and address (their gift goes to business A).
MAY_SEE_DONOR_A = {DONOR_A, BUSINESS_A, STAFF, OFFICER}


@pytest.fixture(scope="module")
def matrix_app() -> Flask:
    """The CSRF-off app, shared by the module (its rate limits are per route, one call each)."""
    return create_app({"TESTING": True, "TASK_SENDER": "none", "WTF_CSRF_ENABLED": False})


@pytest.fixture(scope="module")
def world_on(database: Engine) -> Iterator[tuple[World, Connection]]:
    """One world for the module, inside a transaction rolled back at the end; each actor's
    request runs in a savepoint of its own that is rolled back after it."""
    connection = database.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    use_session_factory(factory)
    session = factory()
    try:
        world = build_world(session)
        session.commit()  # releases the world's savepoint; the outer transaction stays open
        yield world, connection
    finally:
        session.close()
        outer.rollback()
        connection.close()
        use_session_factory(None)


def test_every_route_can_be_checked(app: Flask) -> None:
    """Each route has access_roles, a rule, fixture values for its path and, if its path names
    someone's object, an owner; the message says what to add."""
    missing = [p for route in routes(app) for p in problems(app, route)]
    assert not missing, "\n".join(["routes the authorisation matrix cannot check:", *missing])


def test_no_rule_for_a_route_that_is_gone(app: Flask) -> None:
    """The rule table names only routes that exist (a renamed route keeps no stale rule)."""
    keys = {route.key for route in routes(app)}
    assert sorted(set(RULES) - keys) == []


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.key)
def test_route_answers_each_actor_as_its_rule_says(
    route: Route, matrix_app: Flask, world_on: tuple[World, Connection]
) -> None:
    """Role refusals (302 to /login, 401, 403), object refusals (403/404 for another donor or
    business, never 200) and the allowed outcome; no response leaks donor A's details."""
    app, (world, connection) = matrix_app, world_on
    found = problems(app, route)
    if found:
        pytest.fail("\n".join(found))
    rule = RULES[route.key]
    roles = access_roles(app, route)
    assert roles is not None
    failures: list[str] = []
    for actor in ACTORS:
        savepoint = connection.begin_nested()
        try:
            response = call(app, route, rule, world, actor)
        finally:
            savepoint.rollback()
        want = expected(route, rule, roles, actor)
        got = response.status_code
        location = response.headers.get("Location", "")
        to_login = urlsplit(location).path == "/login"
        if got not in want:
            failures.append(f"{actor}: expected {want}, got {got} {location}".rstrip())
        elif got == 302 and to_login != (not role_allows(roles, actor)):
            failures.append(f"{actor}: got 302 to {location!r}, a login redirect only if refused")
        mimetype = response.mimetype or ""
        download = response.headers.get("Content-Disposition", "").startswith("attachment")
        if got == 200 and (download or mimetype == "application/pdf"):
            if "no-store" not in response.headers.get("Cache-Control", ""):
                failures.append(f"{actor}: a download without Cache-Control: no-store")
        binary = "pdf" in mimetype or mimetype.startswith("image/")
        if not rule.capability and actor not in MAY_SEE_DONOR_A and not binary:
            body = response.get_data(as_text=True)
            for secret in (DONOR_A_NAME, DONOR_A_ADDRESS):
                if secret in body:
                    failures.append(f"{actor}: the response shows donor A's {secret!r}")
    assert not failures, f"{route.key}:\n  " + "\n  ".join(failures)


def test_a_new_route_without_marking_or_rule_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """A route added without access_roles, rule, fixture value or owner is named with what to
    add, so the matrix fails until its developer has decided who may call it."""
    app = create_app({"TESTING": True, "TASK_SENDER": "none"})
    app.add_url_rule("/staff/widgets/<int:widget_id>", "widget", lambda widget_id: "")
    found = problems(app, Route("GET", "/staff/widgets/<int:widget_id>", "widget"))
    assert len(found) == 2
    assert "has no `access_roles`" in found[0] and "@role_required" in found[0]
    assert 'no rule in tests/security/rules.py. Add "GET /staff/widgets/' in found[1]

    def view(widget_id: int, donation_id: int) -> str:
        return ""

    view.access_roles = ("staff",)  # type: ignore[attr-defined]
    rule = "/staff/widgets/<int:widget_id>/<int:donation_id>"
    app.add_url_rule(rule, "widget_donation", view)
    monkeypatch.setitem(RULES, f"GET {rule}", Rule(ok=(200,)))
    found = problems(app, Route("GET", rule, "widget_donation"))
    assert len(found) == 2
    assert "path parameter <widget_id> has no fixture value" in found[0]
    assert "names donation_id (someone's object)" in found[1] and "owner=" in found[1]
