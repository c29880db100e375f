"""Attacks on the pages: CSRF on every state-changing form, session fixation, login brute force,
open redirects and hostile uploads."""

from __future__ import annotations

import io
import re
from urllib.parse import quote, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from furusato.models import Base, ProjectImage, Shipment
from tests.conftest import TaskRecorder, login
from tests.factories import PASSWORD, make_project, make_user
from tests.security.matrix import Route, access_roles, call, expected, routes
from tests.security.rules import ACTORS, RULES
from tests.security.world import World, build_world, png

CSRF_REFUSED = "フォームの有効期限が切れました"  # the CSRF error page's title
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _form_routes(app: Flask) -> list[Route]:
    """Every POST outside the API and the webhooks: all must carry a CSRF token."""
    return [
        r
        for r in routes(app)
        if r.method == "POST" and not r.rule.startswith(("/api/v1", "/webhooks"))
    ]


def _snapshot(db: Session) -> dict[str, str]:
    """A digest of every table's rows: equal before and after means nothing changed."""
    digests = {}
    for table in Base.metadata.sorted_tables:
        digests[table.name] = db.execute(
            text(
                "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{table.name}" t'
            )
        ).scalar_one()
    return digests


def _actor_for(app: Flask, route: Route) -> str:
    """An actor the route lets through, so that the CSRF token is the only thing missing."""
    rule = RULES[route.key]
    roles = access_roles(app, route) or ()
    return next(a for a in ACTORS if expected(route, rule, roles, a) == rule.ok)


def _token_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "no csrf_token field in the page"
    return found.group(1)


def test_every_form_post_without_a_csrf_token_is_refused_and_changes_nothing(
    csrf_app: Flask, db: Session, sent_tasks: TaskRecorder
) -> None:
    """Each POST route outside /api/v1 and /webhooks, sent by an actor it would obey with a
    complete form but no token, answers 400 with the CSRF page; no row changes, no task."""
    world = build_world(db)
    form_routes = _form_routes(csrf_app)
    assert len(form_routes) > 30  # the discovery works
    failures = []
    for route in form_routes:
        actor = _actor_for(csrf_app, route)
        before, tasks_before = _snapshot(db), list(sent_tasks.sent)
        response = call(csrf_app, route, RULES[route.key], world, actor)
        body = response.get_data(as_text=True)
        if response.status_code != 400 or CSRF_REFUSED not in body:
            failures.append(f"{route.key} as {actor}: {response.status_code}, not the CSRF 400")
        changed = [name for name, digest in _snapshot(db).items() if before[name] != digest]
        if changed or sent_tasks.sent != tasks_before:
            failures.append(f"{route.key} as {actor}: changed {changed} / sent tasks")
        if "lang=" in response.headers.get("Set-Cookie", ""):
            failures.append(f"{route.key}: set the language cookie")
    assert not failures, "\n".join(failures)


def test_a_token_from_another_session_is_refused(csrf_app: Flask, db: Session) -> None:
    """The token is bound to its session: one read from an attacker's own page does not work,
    while the victim's own token does (so the refusal above is the CSRF check)."""
    world = build_world(db)
    attacker, victim = csrf_app.test_client(), csrf_app.test_client()
    login(attacker, world.users["staff_2"])
    login(victim, world.users["staff"])
    campaigns = "/staff/campaigns"
    stolen = _token_of(attacker.get(campaigns).get_data(as_text=True))
    url = f"/staff/campaigns/{world.ids['project_a']}/pause"
    forged = victim.post(url, data={"csrf_token": stolen, "reason": "攻撃"})
    assert forged.status_code == 400 and CSRF_REFUSED in forged.get_data(as_text=True)
    own = _token_of(victim.get(campaigns).get_data(as_text=True))
    assert victim.post(url, data={"csrf_token": own, "reason": "点検"}).status_code == 302


def test_the_json_pay_call_needs_the_csrf_header(csrf_app: Flask, db: Session) -> None:
    """The payment page's JSON POST is refused without X-CSRFToken, accepted with it."""
    world = build_world(db)
    client = csrf_app.test_client()
    page = client.get(f"/donations/{world.ids['token_a']}").get_data(as_text=True)
    url = f"/donations/{world.ids['token_a']}/pay"
    body = {"payment_method": "pm_card_visa"}
    assert client.post(url, json=body).status_code == 400
    token = re.search(r'name="csrf-token" content="([^"]+)"', page) or _TOKEN.search(page)
    assert token, "the payment page carries no CSRF token for its script"
    ok = client.post(url, json=body, headers={"X-CSRFToken": token.group(1)})
    assert ok.status_code == 200 and ok.get_json()["status"] == "paid"


def _session_data(app: Flask, client: FlaskClient) -> tuple[str, dict[str, object]]:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return cookie.value, dict(serializer.loads(cookie.value))


def test_login_starts_a_new_session(csrf_app: Flask, db: Session) -> None:
    """Session fixation: the cookie a visitor had before logging in is not the session after;
    the planted session's data (its CSRF token) is gone, and the old cookie is not logged in."""
    user = make_user(db, "donor")
    victim = csrf_app.test_client()
    page = victim.get("/login").get_data(as_text=True)
    before_cookie, before = _session_data(csrf_app, victim)
    assert "csrf_token" in before and "_user_id" not in before
    response = victim.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": _token_of(page)}
    )
    assert response.status_code == 302
    set_cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie  # not readable by scripts
    after_cookie, after = _session_data(csrf_app, victim)
    assert after_cookie != before_cookie
    assert after.get("_user_id") == user.get_id()
    assert after.get("csrf_token") != before["csrf_token"]  # session.clear() ran
    attacker = csrf_app.test_client()
    attacker.set_cookie(csrf_app.config.get("SESSION_COOKIE_NAME", "session"), before_cookie)
    assert attacker.get("/me").headers.get("Location", "").startswith("/login")
    assert victim.get("/me").status_code == 200


def test_a_copied_session_cookie_stops_working_after_logout(
    client: FlaskClient, db: Session
) -> None:
    """A session cookie stolen before logout no longer authenticates after it."""
    user = make_user(db, "donor")
    login(client, user)
    assert client.get("/me").status_code == 200
    stolen = client.get_cookie("session")
    assert stolen is not None
    client.post("/logout")
    thief = client.application.test_client()
    thief.set_cookie("session", stolen.value)
    assert thief.get("/me").status_code == 302


def test_login_brute_force_meets_429_per_address_and_per_account(
    client: FlaskClient, db: Session
) -> None:
    """Ten wrong passwords a minute from one address, then 429 even for the right password;
    ten against one account from many addresses (the account's lockout), then 429 from a fresh
    address."""
    user = make_user(db, "donor")
    wrong = {"email": user.email, "password": "wrong-password!"}
    statuses = [client.post("/login", data=wrong).status_code for _ in range(10)]
    assert statuses == [200] * 10
    assert client.post("/login", data=wrong).status_code == 429
    right = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert right.status_code == 429 and "_user_id" not in _plain_session(client)

    other = make_user(db, "donor")
    guesses = [
        client.post(
            "/login",
            data={"email": other.email, "password": f"guess-{i:04d}"},
            environ_base={"REMOTE_ADDR": f"10.1.{i}.1"},
        ).status_code
        for i in range(10)
    ]
    assert guesses == [200] * 10
    fresh = client.post(
        "/login",
        data={"email": other.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert fresh.status_code == 429


def test_api_token_brute_force_meets_429(client: FlaskClient, db: Session) -> None:
    """POST /api/v1/tokens: ten tries a minute, then a 429 problem even for the right password."""
    user = make_user(db, "donor")
    body = {"email": user.email, "password": "wrong-password!"}
    statuses = [client.post("/api/v1/tokens", json=body).status_code for _ in range(10)]
    assert statuses == [401] * 10
    limited = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert limited.get_json()["code"] == "rate_limited"


def _plain_session(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else ""


OFF_SITE = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "http:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "%2F%2Fevil.example",
    "/%09/evil.example",
    "evil.example",
]


def _lands_on_site(location: str) -> bool:
    """Where a browser would go: it drops tabs and newlines and reads \\ as /."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    target = urlsplit(urljoin("http://localhost/login", cleaned))
    return target.scheme == "http" and target.netloc == "localhost"


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_next_never_leaves_the_site(client: FlaskClient, db: Session, target: str) -> None:
    """After login, `next` pointing anywhere off-site sends the user home instead."""
    user = make_user(db, "donor")
    response = client.post(
        f"/login?next={quote(target, safe='')}",
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert _lands_on_site(location), location
    assert location == "/me" or location.startswith("/")


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_next_never_leaves_the_site(client: FlaskClient, target: str) -> None:
    """The language switch's `next` is followed only within the site."""
    response = client.get(f"/lang/en?next={quote(target, safe='')}")
    assert response.status_code == 302 and _lands_on_site(response.headers["Location"])


def test_local_next_is_kept(client: FlaskClient, db: Session) -> None:
    """A same-site path (with its query) is followed, so the check above is not just 'always /'."""
    user = make_user(db, "donor")
    response = client.post(
        "/login?next=%2Fprojects%3Fpage%3D2", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/projects?page=2"
    switched = client.get("/lang/ja?next=%2Fprojects%3Fpage%3D2")
    assert switched.headers["Location"] == "/projects?page=2"


def _pixel_bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(out, format="PNG")  # 50 M pixels in a few kB
    return out.getvalue()


HOSTILE_UPLOADS = {
    "text named .jpg": (b"just some text, not a photo\n" * 20, "photo.jpg", "JPEG・PNG・WebP", 422),
    "PNG header, garbage": (png()[:16] + b"\x00garbage" * 500, "photo.png", "画像", 422),
    "truncated PNG": (png()[:-40], "photo.png", "画像", 422),
    "SVG with script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "photo.png",
        "JPEG・PNG・WebP",
        422,
    ),
    "over 8 MB": (b"\xff\xd8\xff\xe0" + b"\0" * (8 * 1024 * 1024), "big.jpg", "8MB以下", 413),
    "pixel bomb": (_pixel_bomb(), "bomb.png", "画素数が大きすぎます", 413),
}


@pytest.mark.parametrize("kind", HOSTILE_UPLOADS)
def test_hostile_image_upload_is_refused_with_a_message(
    client: FlaskClient, db: Session, kind: str
) -> None:
    """Wrong types, broken files, oversize files and decompression bombs: a 422/413 page that
    says why, and no image stored."""
    data, filename, message, status = HOSTILE_UPLOADS[kind]
    owner = make_user(db, "business")
    project = make_project(db, owner.business, status="draft")
    login(client, owner)
    response = client.post(
        f"/business/projects/{project.id}/images",
        data={"image": (io.BytesIO(data), filename), "alt_text": "写真"},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == status and 'class="flash flash-error"' in page
    assert message in page
    count = db.scalar(
        select(func.count()).select_from(ProjectImage).where(ProjectImage.project_id == project.id)
    )
    assert count == 0


def test_request_over_the_size_limit_is_413(client: FlaskClient, db: Session) -> None:
    """A body over MAX_CONTENT_LENGTH (40 MB) is refused before the view reads it."""
    owner = make_user(db, "business")
    project = make_project(db, owner.business, status="draft")
    login(client, owner)
    huge = b"\0" * (40 * 1024 * 1024 + 1)
    response = client.post(
        f"/business/projects/{project.id}/images",
        data={"image": (io.BytesIO(huge), "huge.jpg"), "alt_text": "写真"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413 and "ファイルが大きすぎます" in response.get_data(
        as_text=True
    )
    assert db.scalar(select(func.count()).select_from(ProjectImage)) == 0


def test_binary_file_as_shipping_csv_is_refused(client: FlaskClient, db: Session) -> None:
    """A PNG sent as the carrier CSV gets a 422 report and marks nothing sent."""
    world: World = build_world(db)
    login(client, world.users["business_a"])
    response = client.post(
        f"/business/projects/{world.ids['project_a']}/shipments/upload",
        data={"file": (io.BytesIO(png()), "sent.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    sent = db.scalar(select(func.count()).select_from(Shipment).where(Shipment.status == "sent"))
    assert sent == 0


def test_the_api_ignores_session_cookies_so_its_csrf_exemption_is_safe(
    csrf_app: Flask, db: Session
) -> None:
    """/api/v1 is exempt from CSRF because only a bearer token authenticates it: a browser
    that is logged in (session cookie) and is tricked into a cross-site call gets 401."""
    world = build_world(db)
    browser = csrf_app.test_client()
    login(browser, world.users["business_a"])
    assert browser.get("/business/").status_code == 200  # the session works for pages
    response = browser.patch(
        f"/api/v1/shipments/{world.ids['shipment_a']}",
        json={"carrier": "ヤマト運輸", "tracking_number": "123456789012"},
    )
    assert response.status_code == 401
    shipment = db.get(Shipment, world.ids["shipment_a"], populate_existing=True)
    assert shipment is not None and shipment.status == "scheduled"
