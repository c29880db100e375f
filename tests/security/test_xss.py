"""Stored and reflected XSS: every user-supplied text holds payloads, then every page is read as
every actor that may see it, and no payload may come out live (unescaped)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from furusato.models import Payout, Project
from furusato.services.campaigns import review
from furusato.services.fulfilment import receipts
from tests.conftest import login
from tests.security.matrix import access_roles, call, expected, routes
from tests.security.rules import ANON, BUSINESS_A, DONOR_A, RULES, STAFF
from tests.security.world import Texts, World, build_world
from tests.security.xss import PLAIN, SHOWN_ESCAPED, STORY, live_payloads

READERS = (ANON, DONOR_A, BUSINESS_A, STAFF)
# Pages that must show the payload (escaped): proof that it reached them, so the check bites.
MUST_SHOW = {
    "GET /",
    "GET /projects",
    "GET /projects/<int:project_id>",
    "GET /projects/<int:project_id>/give",
    "GET /me",
    "GET /business/",
    "GET /business/projects/<int:project_id>",
    "GET /business/projects/<int:project_id>/edit",
    "GET /business/projects/<int:project_id>/tiers/<int:tier_id>/edit",
    "GET /business/projects/<int:project_id>/shipments",
    "GET /staff/review/<int:project_id>",
    "GET /staff/campaigns",
    "GET /staff/audit",
    "GET /staff/onestop/<int:application_id>",
    "GET /staff/receipts/<int:receipt_id>",
    "GET /staff/payouts",
    "GET /staff/payouts/<int:payout_id>",
}
# Query arguments the pages read, each set to the payload (reflected XSS).
REFLECTED = "&".join(
    f"{name}={quote(PLAIN)}"
    for name in (
        "q category sort page open_only tier month status year format encoding next t "
        "actor action target_type target_id date_from date_to salary_yen family"
    ).split()
)


def _hostile_world(db: Session) -> World:
    """The matrix world with payloads in every text, plus a rejection reason, a pause reason,
    an audit note, a receipt correction and a payout note, all written through the services."""
    world = build_world(db, Texts(plain=PLAIN, story=STORY))
    staff = world.users["staff"]
    draft = db.get(Project, world.ids["draft_a"])
    assert draft is not None
    draft.status = "submitted"
    db.flush()
    review.reject(staff, draft.id, PLAIN)
    review.pause(staff, int(world.ids["project_a"]), PLAIN)
    review.approve(staff, int(world.ids["submitted_a"]), PLAIN)
    receipts.correct(  # an address in its postal code's place (東京都千代田区), payload after
        staff,
        int(world.ids["receipt_a"]),
        reason=PLAIN,
        donor_name=PLAIN,
        address=f"東京都千代田区{PLAIN}",
    )
    payout = db.get(Payout, world.ids["payout_a"])
    assert payout is not None
    payout.note = PLAIN
    db.flush()
    return world


def _read_everything(app: Flask, world: World, extra_query: str = "") -> tuple[list[str], set[str]]:
    """GET every page as every reader it lets in; returns the findings and the pages that
    showed the escaped payload."""
    findings: list[str] = []
    shown: set[str] = set()
    for route in routes(app):
        if route.method != "GET" or route.is_api:
            continue
        rule, roles = RULES[route.key], access_roles(app, route) or ()
        for actor in READERS:
            if expected(route, rule, roles, actor) != rule.ok:
                continue
            response = call(app, route, rule, world, actor, extra_query)
            where = f"{route.key} as {actor}"
            if response.status_code >= 500:
                findings.append(f"{where}: {response.status_code}")
            if response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            findings += [f"{where}: {found}" for found in live_payloads(html)]
            findings += [f"{where}: {problem}" for problem in _header_problems(response.headers)]
            if SHOWN_ESCAPED in html:
                shown.add(route.key)
    return findings, shown


def _header_problems(headers: Any) -> list[str]:
    """The second line of defence on every page: a script policy without inline scripts, no
    framing, no content sniffing."""
    policy = headers.get("Content-Security-Policy", "")
    script_src = next((p for p in policy.split(";") if p.strip().startswith("script-src")), "")
    problems = []
    if not script_src or "'unsafe-inline'" in script_src or "'unsafe-eval'" in script_src:
        problems.append(f"script-src allows inline code or is missing: {script_src!r}")
    if "object-src 'none'" not in policy:
        problems.append("object-src is not 'none'")
    if headers.get("X-Frame-Options") != "DENY":
        problems.append("X-Frame-Options is not DENY")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    return problems


def test_stored_payloads_are_escaped_on_every_page(app: Flask, db: Session) -> None:
    """Titles, summaries, stories (Markdown with javascript: links and raw HTML), gift names
    and descriptions, business and donor names, addresses, rejection and pause reasons, audit
    notes and receipt corrections never come out as markup on any page, for any reader; and
    every page carries a CSP without inline scripts, DENY framing and nosniff."""
    world = _hostile_world(db)
    findings, shown = _read_everything(app, world)
    assert not findings, "\n".join(findings)
    assert MUST_SHOW - shown == set(), "pages that no longer show the stored text"


def test_reflected_query_arguments_are_escaped(app: Flask, db: Session) -> None:
    """Every page read with every query argument the pages use set to the payload."""
    world = build_world(db)
    findings, _ = _read_everything(app, world, REFLECTED)
    assert not findings, "\n".join(findings)


def test_the_story_keeps_its_text_but_loses_scripts_and_script_links(
    client: FlaskClient, db: Session
) -> None:
    """The public page shows the Markdown story's words with safe links only."""
    world = build_world(db, Texts(story=STORY))
    page = client.get(f"/projects/{world.ids['project_a']}").get_data(as_text=True)
    assert "クリック" in page and "生のHTML" in page
    assert live_payloads(page) == []
    assert 'href="https://example.jp"' in page


def test_form_errors_echo_input_escaped(client: FlaskClient, db: Session) -> None:
    """Forms shown again with their errors put the payload back only as an escaped value."""
    world = build_world(db)
    pages = [
        client.post(
            "/signup",
            data={"display_name": PLAIN, "business_name": PLAIN, "email": PLAIN, "password": "x"},
        ),
        client.post("/login", data={"email": PLAIN, "password": PLAIN}),
    ]
    login(client, world.users["business_a"])
    draft = world.ids["draft_a"]
    pages.append(client.post(f"/business/projects/{draft}/edit", data={"title": PLAIN}))
    pages.append(client.post(f"/business/projects/{draft}/tiers/new", data={"gift_name": PLAIN}))
    csv = f"お客様管理番号,運送会社,伝票番号\r\n{world.ids['shipment_a']},{PLAIN},{PLAIN}\r\n"
    pages.append(
        client.post(
            f"/business/projects/{world.ids['project_a']}/shipments/upload",
            data={"file": (io.BytesIO(csv.encode()), "sent.csv"), "default_carrier": PLAIN},
            content_type="multipart/form-data",
        )
    )
    login(client, world.users["staff"])
    pages.append(
        client.post(
            f"/staff/onestop/{world.ids['application_a']}/change",
            data={"name": PLAIN, "address": PLAIN},
        )
    )
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code < 500 and live_payloads(html) == [], html[:300]
    assert sum(PLAIN not in r.get_data(as_text=True) for r in pages) == len(pages)


def test_api_answers_with_user_text_are_json_not_html(client: FlaskClient, db: Session) -> None:
    """A JSON answer holding the payload is served as JSON with nosniff, never as HTML."""
    world = build_world(db, Texts(plain=PLAIN))
    response = client.get(f"/api/v1/projects/{world.ids['project_a']}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()["title"] == PLAIN


def test_the_checker_finds_live_payloads() -> None:
    """The checker flags each payload when a template would output it raw (|safe, Markup),
    and nothing when Jinja escaped it."""
    from markupsafe import escape

    raw = f"<h1>{PLAIN}</h1><a href=' JaVaScRiPt:alert(1)'>x</a><p title=x onclick=alert(1)>"
    found = live_payloads(raw)
    assert len(found) >= 5, found
    assert live_payloads(f"<h1>{escape(PLAIN)}</h1><p>{escape(STORY)}</p>") == []
