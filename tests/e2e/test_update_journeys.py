"""活動報告 in a real browser against the app under gunicorn: the business posts an update by
clicking through its pages, and a donor reads it on the project page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from furusato.models import CampaignUpdate
from tests.e2e.conftest import PageOpener, Served, Shots, log_in, needs_chromium
from tests.factories import PASSWORD, make_donation, make_project, make_user

pytestmark = [pytest.mark.e2e, needs_chromium]


def test_business_posts_an_update_and_a_donor_reads_it(
    served: Served, open_page: PageOpener, shots: Shots, committed: Engine
) -> None:
    """From its project page the business opens 活動報告, writes Markdown and publishes; the
    page says the donors are being told; a donor opens the project page and reads it, with
    its heading and list rendered, under 活動報告."""
    with Session(committed, expire_on_commit=False) as s:
        owner = make_user(s, "business")
        project = make_project(s, owner.business, title="泉州タオルの新しい定番をつくる")
        make_donation(s, project, email="reader@example.jp")
        s.commit()
    url = served.url

    business = open_page()
    log_in(business, url, owner.email, PASSWORD)
    business.goto(f"{url}/business/projects/{project.id}")
    business.get_by_role("link", name="活動報告と応援メッセージ").click()
    business.get_by_label("タイトル").fill("織機が届きました")
    business.get_by_label("本文（Markdown）").fill(
        "## 試作を始めます\n\n- 新しい織機で厚手のパイルを試します\n- 来月に試作品をお見せします"
    )
    business.get_by_role("button", name="公開して寄附者に知らせる").click()
    expect(business.get_by_text("活動報告を公開しました")).to_be_visible()
    expect(business.get_by_role("heading", name="織機が届きました")).to_be_visible()
    shots.take(business, "business-posted")

    donor = open_page()
    donor.goto(f"{url}/projects/{project.id}")
    section = donor.locator("#updates")
    expect(section.get_by_role("heading", name="活動報告（1件）")).to_be_visible()
    expect(section.get_by_role("heading", name="織機が届きました")).to_be_visible()
    expect(section.get_by_role("heading", name="試作を始めます")).to_be_visible()
    expect(section.get_by_role("listitem").first).to_have_text("新しい織機で厚手のパイルを試します")
    shots.take(donor, "donor-reads")

    with Session(committed) as s:
        row = s.scalar(select(CampaignUpdate).where(CampaignUpdate.project_id == project.id))
        assert row is not None and row.status == "published" and row.author_id == owner.id
