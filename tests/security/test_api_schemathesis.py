"""Schemathesis against /api/v1/openapi.json on the WSGI app: generated valid and invalid
requests for every operation, as an actor its roles allow, with the world's real ids in the
path; no 5xx, and every answer conforms to the document (status, content type, schema)."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi import checks
from sqlalchemy.orm import Session

from furusato import create_app
from furusato.web.api.core import openapi_path
from tests.security.matrix import routes
from tests.security.rules import PARAMS, RULES, Rule
from tests.security.world import World, build_world
from tests.support.localstripe import LocalStripe

MAX_EXAMPLES = int(os.environ.get("FURUSATO_FUZZ_EXAMPLES", "15"))
# The same examples every run, so `make test` is stable; FURUSATO_FUZZ_RANDOM=1 explores anew.
DERANDOMIZE = not os.environ.get("FURUSATO_FUZZ_RANDOM")


@pytest.fixture
def api_world(db: Session, stripe_clean: LocalStripe) -> World:
    """The matrix world; pledges reach localstripe (emptied first)."""
    return build_world(db)


# Loaded at collection (schemathesis' fixture-based loader does not work with pytest 9): one
# test per operation. The app holds no data; each test's `db` fixture gives it its rows.
# (Rate limits stay on: the limiter is one object for every app of the run, and 429 is
# documented for the limited operations.)
APP = create_app({"TESTING": True, "TASK_SENDER": "none"})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


def _rule_of(method: str, path: str) -> Rule | None:
    """The matrix rule behind an OpenAPI operation ("/api/v1/x/{id}"); for a method the path
    does not have (schemathesis tries TRACE and the like) any rule of that path."""
    candidates = [r for r in routes(APP) if openapi_path(r.rule)[0] == path]
    assert candidates, f"{path} is in the document but not in the url_map"
    exact = [r for r in candidates if r.method == method]
    return RULES.get((exact or candidates)[0].key)


def _actor(case: Any) -> str:
    """Staff where staff may, else the business, else donor A (who owns the world's donation)."""
    roles = case.operation.definition.raw.get("x-roles") or ["anonymous"]
    for role, actor in (("staff", "staff"), ("business", "business_a"), ("donor", "donor_a")):
        if role in roles:
            return actor
    return "donor_a"


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=DERANDOMIZE,
    # The `db` fixture is per test on purpose: all examples of one operation share a world.
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_document(case: Any, api_world: World) -> None:
    """Every operation: no server error, documented status and content type, valid body, and
    schema-violating input refused."""
    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.PATH):
        _use_world_ids(case, api_world)
    headers = {}
    if meta is None or not meta.is_negative_at(ParameterLocation.HEADER):
        headers = api_world.bearer(_actor(case))  # a negative case may be "no Authorization"
    # Domain rules beyond the document (an unknown postal code, an amount that does not match,
    # a transfer date in the past, an Idempotency-Key reused with another body) refuse some
    # schema-valid requests with the documented 422/409: that one check cannot know them.
    case.call_and_validate(headers=headers, excluded_checks=[checks.positive_data_acceptance])


def _use_world_ids(case: Any, world: World) -> None:
    """Path ids of real rows (as in the matrix), so operations reach their success answers."""
    rule = _rule_of(case.method.upper(), case.path)
    for name in list(case.path_parameters or {}):
        key = (rule.params.get(name) if rule else None) or (
            PARAMS[name].key if name in PARAMS else None
        )
        if key is not None and str(world.ids[key]).isdigit():
            case.path_parameters[name] = world.ids[key]
