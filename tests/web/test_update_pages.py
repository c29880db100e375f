"""活動報告 and 応援メッセージ through the pages and the JSON API: the business posts on its
page, the public page and the API show only what is published or approved, a donor's message
from the give form waits for moderation, the business replies once, staff hide with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.models import AuditLog, CheerMessage, Donation, Project, User
from tests.conftest import login
from tests.factories import PASSWORD, make_donation, make_project, make_user
from tests.support.giving import give_form
from tests.support.localstripe import LocalStripe


def owned(db: Session) -> tuple[Project, User]:
    project = make_project(db)
    return project, make_user(db, "business", business_id=project.business_id)


def auth(client: FlaskClient, user: User) -> dict[str, str]:
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_business_posts_an_update_that_the_project_page_and_api_show(
    client: FlaskClient, db: Session
) -> None:
    """The form publishes it; the page shows it in its 活動報告 section, sanitised; a refused
    post keeps what was typed and names the field."""
    project, owner = owned(db)
    login(client, owner)
    refused = client.post(
        f"/business/projects/{project.id}/updates", data={"title": "", "body": "本文は残る"}
    )
    assert refused.status_code == 422 and "本文は残る" in refused.get_data(as_text=True)
    posted = client.post(
        f"/business/projects/{project.id}/updates",
        data={"title": "織機が届きました", "body": "## 試作\n\n<img src=x onerror=alert(1)>始めます"},
    )
    assert posted.status_code == 303
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'id="updates"' in page and "織機が届きました" in page
    assert "<img src=x" not in page  # shown as text, never as a tag
    api = client.get(f"/api/v1/projects/{project.id}/updates").get_json()
    assert [u["title"] for u in api["items"]] == ["織機が届きました"]
    assert api["items"][0]["status"] == "published"


def test_api_posts_a_final_report_with_strict_integer_accounts(
    client: FlaskClient, db: Session
) -> None:
    """A string amount is a 422 naming the field; an update of an unfunded campaign cannot be
    final (409)."""
    project, owner = owned(db)
    headers = auth(client, owner)
    bad = client.post(
        f"/api/v1/projects/{project.id}/updates",
        json={"title": "最終報告", "body": "b", "is_final": True,
              "accounts": [{"item": "織機", "amount_yen": "5000"}]},
        headers=headers,
    )  # fmt: skip
    assert bad.status_code == 422 and "accounts" in str(bad.get_json()["errors"])
    unfunded = client.post(
        f"/api/v1/projects/{project.id}/updates",
        json={"title": "最終報告", "body": "b", "is_final": True,
              "accounts": [{"item": "織機", "amount_yen": 5000}]},
        headers=headers,
    )  # fmt: skip
    assert unfunded.status_code == 409


def test_a_message_from_the_give_form_is_shown_only_after_approval(
    client: FlaskClient, db: Session, stripe_clean: LocalStripe
) -> None:
    """Pending: not on the page or the API. Approved (and paid): shown with the chosen name;
    the business replies once; staff hide it with a reason, audited, and it is gone."""
    project, owner = owned(db)
    response = client.post(
        f"/projects/{project.id}/give",
        data=give_form(cheer_message="応援しています！\n頑張ってください。", cheer_show="name",
                       cheer_name="泉州ファン"),
    )  # fmt: skip
    assert response.status_code == 303
    message = db.scalar(select(CheerMessage).where(CheerMessage.project_id == project.id))
    assert message is not None and message.status == "pending"
    assert message.display_name == "泉州ファン"
    assert "泉州ファン" not in client.get(f"/projects/{project.id}").get_data(as_text=True)
    donation = db.get(Donation, message.donation_id)
    assert donation is not None
    donation.status, donation.paid_at = "paid", datetime.now(UTC)  # as its payment would
    make_donation(db, project)  # another paid donor, no message
    db.flush()
    assert "泉州ファン" not in client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert client.get(f"/api/v1/projects/{project.id}/messages").get_json()["items"] == []

    login(client, owner)
    business_page = client.get(f"/business/projects/{project.id}/updates").get_data(as_text=True)
    assert "応援しています" in business_page
    base = f"/business/projects/{project.id}/messages/{message.id}"
    assert client.post(f"{base}/approve").status_code == 303
    assert client.post(f"{base}/reply", data={"reply": "ありがとうございます。"}).status_code == 303
    again = client.post(f"{base}/reply", data={"reply": "二度目"}, follow_redirects=True)
    assert "既に返信" in again.get_data(as_text=True)
    (shown,) = client.get(f"/api/v1/projects/{project.id}/messages").get_json()["items"]
    assert (shown["display_name"], shown["reply"]) == ("泉州ファン", "ありがとうございます。")
    assert "泉州ファン" in client.get(f"/projects/{project.id}").get_data(as_text=True)

    staff = make_user(db, "staff")
    login(client, staff)
    no_reason = client.post(f"/staff/messages/{message.id}/hide", data={"reason": ""})
    assert no_reason.status_code == 303
    assert client.get(f"/api/v1/projects/{project.id}/messages").get_json()["items"] != []
    client.post(f"/staff/messages/{message.id}/hide", data={"reason": "個人情報を含むため"})
    assert client.get(f"/api/v1/projects/{project.id}/messages").get_json()["items"] == []
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "cheer.hidden"))
    assert entry is not None and entry.actor_id == staff.id and entry.note == "個人情報を含むため"


def test_the_give_form_names_a_refused_message_field_and_keeps_the_rest(
    client: FlaskClient, db: Session
) -> None:
    """A name asked to be shown but left empty is refused beside its field; nothing is pledged."""
    project, _owner = owned(db)
    response = client.post(
        f"/projects/{project.id}/give",
        data=give_form(cheer_message="応援しています", cheer_show="name", cheer_name=""),
    )
    assert response.status_code == 422
    assert "表示するお名前を入力してください" in response.get_data(as_text=True)
    assert db.scalar(select(CheerMessage).where(CheerMessage.project_id == project.id)) is None


def test_unsubscribe_page_asks_then_stops_without_login(client: FlaskClient, db: Session) -> None:
    """GET only asks (a mail scanner stops nothing); the POST stops; a bad token is a 404."""
    from furusato.services.campaigns import update_mail

    project, _owner = owned(db)
    token = update_mail.unsubscribe_token(project.id, "hanako@example.jp")
    asked = client.get(f"/updates/unsubscribe/{token}").get_data(as_text=True)
    assert "配信を停止する" in asked and "hanako@example.jp" in asked
    assert not update_mail.unsubscribe_page(token).stopped
    done = client.post(f"/updates/unsubscribe/{token}").get_data(as_text=True)
    assert "送られません" in done
    assert client.get(f"/updates/unsubscribe/{token}x").status_code == 404
