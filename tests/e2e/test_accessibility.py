"""The main pages pass axe-core without serious or critical violations, and the give form can be
used with the keyboard alone (skip link, every field and the submit button reached by Tab)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.e2e.conftest import PageOpener, Served, Shots, log_in, needs_chromium
from tests.factories import PASSWORD, make_donation, make_project, make_user

pytestmark = [pytest.mark.e2e, needs_chromium]

BLOCKING = ("serious", "critical")


def _world(engine: Engine) -> dict[str, Any]:
    """A live campaign, a project waiting for review, its business's live campaign with donations
    (its funding curve), and a staff member."""
    with Session(engine) as s:
        business_user = make_user(s, "business")
        live = make_project(s, title="泉州タオルの新しい定番をつくる", tiers=2)
        waiting = make_project(
            s, business_user.business, status="submitted", title="水なすの浅漬けを全国へ"
        )
        own = make_project(s, business_user.business, title="泉州の新しいタオルケット")
        for amount in (10_000, 30_000):  # the business page's funding curve has steps
            make_donation(s, own, amount_yen=amount)
            make_donation(s, live, amount_yen=amount)  # the staff dashboard's bars
        staff = make_user(s, "staff")
        s.commit()
        return {
            "own": own.id,
            "live": live.id,
            "tier": live.tiers[0].id,
            "waiting": waiting.id,
            "business": business_user.email,
            "staff": staff.email,
        }


def _serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.response["passes"], "axe-core did not run its rules"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING
    ]


def test_main_pages_have_no_serious_accessibility_violations(
    served: Served, open_page: PageOpener, shots: Shots, committed: Engine
) -> None:
    """axe-core finds no serious or critical problem (labels, contrast, names) on the home page,
    the project list, a project page (its progress meter), the give form, login, the business
    dashboard, its gift options and next-goal pages, a project page with its funding curve, the
    staff dashboard with its charts, review and the next-goal proposals."""
    world = _world(committed)
    url = served.url
    visitor = open_page()
    business = open_page()
    log_in(business, url, world["business"], PASSWORD)
    staff = open_page()
    log_in(staff, url, world["staff"], PASSWORD)
    pages = [
        ("home", visitor, "/"),
        ("project-list", visitor, "/projects?q=タオル"),
        ("project", visitor, f"/projects/{world['live']}"),
        ("give-form", visitor, f"/projects/{world['live']}/give?tier={world['tier']}"),
        ("login", open_page(), "/login"),
        ("business-dashboard", business, "/business/"),
        ("business-gift-options", business, "/business/gift-options"),
        ("business-next-goal", business, f"/business/projects/{world['waiting']}/next-goal"),
        ("business-project-chart", business, f"/business/projects/{world['own']}"),
        ("staff-dashboard-charts", staff, "/staff/"),
        ("staff-review", staff, f"/staff/review/{world['waiting']}"),
        ("staff-next-goals", staff, "/staff/next-goals"),
    ]
    found: dict[str, list[str]] = {}
    for name, page, path in pages:
        page.goto(url + path)
        if name.endswith("-chart") or name.endswith("-charts"):
            assert page.locator("figure.chart svg[role=img]").count() >= 1, name
        shots.take(page, name)
        problems = _serious(page)
        if problems:
            found[name] = problems
    assert not found, found


def _focused(page: Any) -> dict[str, str]:
    return dict(
        page.evaluate(
            "() => { const e = document.activeElement;"
            " return {id: e.id || '', tag: e.tagName, text: (e.textContent || '').trim(),"
            " main: String(!!e.closest('main'))}; }"
        )
    )


def test_give_form_works_with_the_keyboard(
    served: Served, open_page: PageOpener, shots: Shots, committed: Engine
) -> None:
    """The skip link moves past the header into the main content, and Tab then reaches every
    field of the give form and its submit button, in order."""
    world = _world(committed)
    page = open_page()
    page.goto(f"{served.url}/projects/{world['live']}/give?tier={world['tier']}")
    page.keyboard.press("Tab")
    first = _focused(page)
    assert first["tag"] == "A" and first["text"] == "本文へ移動"
    shots.take(page, "skip-link-focused")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    assert _focused(page)["main"] == "true", "after the skip link, Tab stays in the header"

    wanted = ["amount_yen", "name", "name_kana", "email", "phone", "postal_code", "address"]
    wanted += ["agree"]
    reached: list[str] = []
    for _ in range(60):
        now = _focused(page)
        if now["tag"] == "BUTTON" and now["text"] == "お支払いへ進む":
            reached.append("submit")
            break
        if now["id"]:
            reached.append(now["id"])
        page.keyboard.press("Tab")
    shots.take(page, "submit-focused")
    assert reached[-1] == "submit", reached
    positions = [reached.index(name) for name in wanted]
    assert positions == sorted(positions), reached
