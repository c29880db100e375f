"""Following a campaign and the reminder settings through the pages and the JSON API; the
project page's cache never shows one visitor's follow state to another."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato import create_app
from furusato.models import Follow, User
from furusato.services import accounts
from tests.conftest import login
from tests.factories import PASSWORD, make_project, make_user


def _bearer(user: User) -> dict[str, str]:
    issued = accounts.issue_token(user.email, PASSWORD)
    assert issued is not None
    return {"Authorization": f"Bearer {issued[0]}"}


def _followed(db: Session, user: User) -> list[int]:
    db.expire_all()
    return list(db.scalars(select(Follow.project_id).where(Follow.user_id == user.id)))


def test_a_donor_follows_and_unfollows_from_the_project_page(
    client: FlaskClient, db: Session
) -> None:
    """The button follows, マイページ lists the campaign with its progress, the button then
    unfollows; following twice is one follow."""
    project = make_project(db, title="泉州タオルの新作")
    donor = make_user(db)
    login(client, donor)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f'action="/projects/{project.id}/follow"' in page

    response = client.post(f"/projects/{project.id}/follow")
    assert response.status_code == 302
    assert response.location.endswith(f"/projects/{project.id}#follow")
    client.post(f"/projects/{project.id}/follow")
    assert _followed(db, donor) == [project.id]
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f'action="/projects/{project.id}/unfollow"' in page and 'aria-pressed="true"' in page
    me = client.get("/me").get_data(as_text=True)
    assert "フォロー中のプロジェクト" in me and "泉州タオルの新作" in me
    assert f"{project.target_yen:,}" in me  # the catalog's progress caption

    client.post(f"/projects/{project.id}/unfollow")
    assert _followed(db, donor) == []
    assert "泉州タオルの新作" not in client.get("/me").get_data(as_text=True)


def test_a_visitor_is_sent_to_log_in_and_a_draft_cannot_be_followed(
    client: FlaskClient, db: Session
) -> None:
    """A visitor sees a login link that comes back to the page (and no cookie is set); a
    campaign the public cannot see cannot be followed (404)."""
    project = make_project(db)
    response = client.get(f"/projects/{project.id}")
    assert f'href="/login?next=/projects/{project.id}"' in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert client.post(f"/projects/{project.id}/follow").status_code == 302  # to /login
    draft = make_project(db, status="draft")
    login(client, make_user(db))
    assert client.post(f"/projects/{draft.id}/follow").status_code == 404


def test_following_needs_the_forms_csrf_token(csrf_app: Flask, db: Session) -> None:
    """A follow posted without the page's CSRF token is refused and follows nothing."""
    project = make_project(db)
    donor = make_user(db)
    client = login(csrf_app.test_client(), donor)
    assert client.post(f"/projects/{project.id}/follow").status_code == 400
    assert _followed(db, donor) == []


def test_the_cached_project_page_does_not_leak_follow_state(db: Session) -> None:
    """With the page cache on, donor A's "following" is not shown to donor B or a visitor."""
    app = create_app(
        {
            "TESTING": True,
            "TASK_SENDER": "none",
            "WTF_CSRF_ENABLED": False,
            "PAGE_CACHE_SECONDS": 60,
        }
    )
    project = make_project(db)
    a, b = make_user(db), make_user(db)
    client_a = login(app.test_client(), a)
    client_a.post(f"/projects/{project.id}/follow")
    assert 'aria-pressed="true"' in client_a.get(f"/projects/{project.id}").get_data(as_text=True)
    page_b = login(app.test_client(), b).get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'aria-pressed="false"' in page_b and 'aria-pressed="true"' not in page_b
    visitor = app.test_client().get(f"/projects/{project.id}").get_data(as_text=True)
    assert "ログインしてフォローする" in visitor and "aria-pressed" not in visitor


def test_the_reminder_settings_page_turns_each_reminder_on_and_off(
    client: FlaskClient, db: Session
) -> None:
    """Year-end on (opt-in), followed-campaign mails off (on by default), an estimate saved;
    a bad salary is refused with its message and changes nothing."""
    donor = make_user(db)
    login(client, donor)
    page = client.get("/me/reminders").get_data(as_text=True)
    boxes = {name: attrs for attrs, name in re.findall(r'<input ([^>]*)id="(remind_\w+)"', page)}
    assert "checked" in boxes["remind_followed"] and "checked" not in boxes["remind_year_end"]
    assert "checked" in boxes["remind_onestop"]

    form = {"remind_year_end": "y", "estimate_salary_yen": "5000000", "estimate_family": "couple"}
    assert client.post("/me/reminders", data=form).status_code == 302
    db.refresh(donor)
    assert (donor.remind_year_end, donor.remind_followed) == (True, False)
    assert donor.remind_onestop is False  # the one-stop reminder is switched on the same page
    assert (donor.estimate_salary_yen, donor.estimate_family) == (5_000_000, "couple")

    bad = {"remind_followed": "y", "estimate_salary_yen": "5000000"}  # no household
    response = client.post("/me/reminders", data=bad)
    assert response.status_code == 422
    assert "年収と家族構成を両方入力してください。" in response.get_data(as_text=True)
    db.refresh(donor)
    assert (donor.remind_followed, donor.estimate_family) == (False, "couple")

    assert client.post("/me/reminders", data={}).status_code == 302
    db.refresh(donor)
    assert (donor.remind_year_end, donor.estimate_salary_yen, donor.estimate_family) == (
        False,
        None,
        "",
    )


def test_follows_and_reminders_through_the_api(client: FlaskClient, db: Session) -> None:
    """PUT and DELETE follow idempotently, GET lists with progress; PATCH changes only what
    it names, with strict integers and the whole estimate."""
    project = make_project(db, title="泉州水なす漬け")
    donor = make_user(db)
    auth = _bearer(donor)

    for _ in range(2):
        response = client.put(f"/api/v1/me/follows/{project.id}", headers=auth)
        assert response.get_json() == {"project_id": project.id, "following": True}
    [row] = client.get("/api/v1/me/follows", headers=auth).get_json()["follows"]
    assert row["title"] == "泉州水なす漬け" and row["phase"] == "live"
    assert row["target_yen"] == project.target_yen and row["percent"] == 0
    assert client.put("/api/v1/me/follows/999999", headers=auth).status_code == 404
    for _ in range(2):
        response = client.delete(f"/api/v1/me/follows/{project.id}", headers=auth)
        assert response.get_json() == {"project_id": project.id, "following": False}
    assert client.get("/api/v1/me/follows", headers=auth).get_json() == {"follows": []}

    got = client.get("/api/v1/me/reminders", headers=auth).get_json()
    assert got == {
        "remind_year_end": False,
        "remind_followed": True,
        "remind_onestop": True,
        "estimate_salary_yen": None,
        "estimate_family": None,
    }
    patched = client.patch(
        "/api/v1/me/reminders",
        json={
            "remind_year_end": True,
            "remind_onestop": False,
            "estimate_salary_yen": 4_000_000,
            "estimate_family": "single",
        },
        headers=auth,
    ).get_json()
    assert patched["remind_year_end"] is True and patched["remind_followed"] is True
    assert patched["remind_onestop"] is False
    assert patched["estimate_salary_yen"] == 4_000_000

    for body in (
        {"estimate_salary_yen": "4000000", "estimate_family": "single"},
        {"remind_year_end": "yes"},
        {"estimate_salary_yen": 4_000_000},
        {"unknown": 1},
    ):
        response = client.patch("/api/v1/me/reminders", json=body, headers=auth)
        assert response.status_code == 422, body
    cleared = client.patch(
        "/api/v1/me/reminders", json={"clear_estimate": True}, headers=auth
    ).get_json()
    assert cleared["estimate_salary_yen"] is None and cleared["remind_year_end"] is True
    business = make_user(db, role="business")
    assert client.get("/api/v1/me/follows", headers=_bearer(business)).status_code == 403
