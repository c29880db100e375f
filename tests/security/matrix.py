"""The machinery of the authorisation matrix: the routes of the app, how to call one as an actor,
and what each actor must get according to tests/security/rules.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import login
from tests.security.rules import (
    ACTORS,
    DENIED_OBJECT,
    PARAMS,
    ROLE_OF,
    RULES,
    STAFF,
    Rule,
)
from tests.security.world import World

RULES_FILE = "tests/security/rules.py"
_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    endpoint: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.rule}"

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def params(self) -> list[str]:
        return [m.group(2) for m in _PARAM.finditer(self.rule)]


def routes(app: Flask) -> list[Route]:
    """Every (method, rule) of the app except static files, HEAD and OPTIONS."""
    found = {
        Route(method, r.rule, r.endpoint)
        for r in app.url_map.iter_rules()
        if r.endpoint != "static"
        for method in (r.methods or set()) - {"HEAD", "OPTIONS"}
    }
    return sorted(found, key=lambda r: (r.rule, r.method))


def access_roles(app: Flask, route: Route) -> tuple[str, ...] | None:
    return getattr(app.view_functions[route.endpoint], "access_roles", None)


def problems(app: Flask, route: Route) -> list[str]:
    """Why this route cannot be checked: each message says what the developer must add."""
    found: list[str] = []
    roles = access_roles(app, route)
    if not roles:
        found.append(
            f"{route.key}: the view {route.endpoint!r} has no `access_roles`. Decorate it with "
            "@public or @role_required(...) from furusato.web.guards (or declare roles= in "
            "@operation for the API)."
        )
    rule = RULES.get(route.key)
    if rule is None:
        found.append(
            f"{route.key}: no rule in {RULES_FILE}. Add "
            f'"{route.key}": Rule(ok=(<status an allowed actor gets with an empty request>,), '
            "owner=<'donor_a'|'business_a' if the path names someone's object>, "
            "open_because=<why not, if it names an object but anyone allowed may use it>)."
        )
        return found
    for name in route.params:
        if name not in rule.params and name not in PARAMS:
            found.append(
                f"{route.key}: path parameter <{name}> has no fixture value. Add it to PARAMS in "
                f"{RULES_FILE} (a key of the world in tests/security/world.py; add the row to "
                "build_world if it is a new kind of object), or set Rule(params={...})."
            )
    owned = [n for n in route.params if n in PARAMS and PARAMS[n].owned and n not in rule.params]
    owned += [n for n, key in rule.params.items() if key in OWNED_KEYS]
    if owned and rule.owner is None and not rule.open_because:
        found.append(
            f"{route.key}: the path names {', '.join(sorted(set(owned)))} (someone's object) but "
            f"the rule in {RULES_FILE} declares neither owner= (whose object it is: another "
            "donor/business must get 403/404) nor open_because= (why every allowed role may "
            "use it)."
        )
    if rule.owner is not None and rule.owner not in ACTORS:
        found.append(f"{route.key}: owner {rule.owner!r} is not one of {ACTORS}.")
    return found


OWNED_KEYS = {p.key for p in PARAMS.values() if p.owned}


def url_for_route(route: Route, rule: Rule, world: World) -> str:
    def value(m: re.Match[str]) -> str:
        name = m.group(2)
        key = rule.params.get(name) or PARAMS[name].key
        return str(world.ids[key])

    url = _PARAM.sub(value, route.rule)
    return url + (f"?{rule.query}" if rule.query else "")


def role_allows(roles: tuple[str, ...], actor: str) -> bool:
    return "anonymous" in roles or ROLE_OF[actor] in roles


def expected(route: Route, rule: Rule, roles: tuple[str, ...], actor: str) -> tuple[int, ...]:
    """What `actor` must get: role refusal, then object refusal, then the rule's outcome."""
    if not role_allows(roles, actor):
        if actor == "anonymous":
            return (401,) if route.is_api else (302,)
        return (403,)
    if actor in rule.ok_for:
        return rule.ok_for[actor]
    if rule.owner is not None and actor != rule.owner:
        if not (ROLE_OF[actor] == STAFF and rule.staff_sees):
            return DENIED_OBJECT
    return rule.ok


def call(
    app: Flask, route: Route, rule: Rule, world: World, actor: str, extra_query: str = ""
) -> TestResponse:
    """One request as `actor`: session login for pages, a bearer token for the API."""
    client: FlaskClient = app.test_client()
    headers: dict[str, str] = {}
    if route.is_api:
        headers.update(world.bearer(actor))
    elif actor != "anonymous":
        login(client, world.users[actor])
    url = url_for_route(route, rule, world)
    if extra_query:
        url += ("&" if "?" in url else "?") + extra_query
    kwargs: dict[str, Any] = {"headers": headers, "method": route.method}
    if route.method in ("POST", "PUT", "PATCH", "DELETE"):
        if route.is_api:
            kwargs["json"] = dict(rule.json) if rule.json is not None else {}
        else:
            kwargs["data"] = dict(rule.form) if rule.form is not None else {}
    return client.open(url, **kwargs)
