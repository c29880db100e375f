"""English pages get English dates and prompts; documents and Japanese pages stay Japanese."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_project


def test_dates_follow_the_page_language(client: FlaskClient, db: Session) -> None:
    """The deadline reads 2026年12月28日 in Japanese and Dec 28, 2026 in English (JST)."""
    project = make_project(db, deadline=datetime(2026, 12, 28, 3, 0, tzinfo=UTC))
    japanese = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "2026年12月28日" in japanese
    client.set_cookie("lang", "en")
    english = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Dec 28, 2026" in english and "2026年12月28日" not in english


def test_login_prompt_is_translated(app: Flask, db: Session) -> None:
    """Sent to the login page from a members' page, an English reader is asked in English."""
    client = app.test_client()
    client.set_cookie("lang", "en")
    page = client.get("/me", follow_redirects=True).get_data(as_text=True)
    assert "Please log in." in page and "ログインしてください" not in page


def test_template_text_follows_each_requests_language(client: FlaskClient, db: Session) -> None:
    """Templates look the catalog up once per request: the menu reads 「プロジェクト」, then
    "Projects" after switching, then Japanese again; no request keeps another's catalog."""
    make_project(db)
    assert ">プロジェクト</a>" in client.get("/projects").get_data(as_text=True)
    client.set_cookie("lang", "en")
    english = client.get("/projects").get_data(as_text=True)
    assert ">Projects</a>" in english and ">プロジェクト</a>" not in english
    client.set_cookie("lang", "ja")
    assert ">プロジェクト</a>" in client.get("/projects").get_data(as_text=True)
