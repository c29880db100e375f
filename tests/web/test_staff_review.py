"""Staff pages: review queue oldest first, report + diff, decisions, campaigns, audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.models import AuditLog, Project, User
from furusato.services.campaigns import projects, review, tiers
from tests.conftest import login
from tests.factories import make_project, make_user

START = datetime.now(UTC) + timedelta(days=3)


def submitted(db: Session, title: str = "泉州タオルの新ブランド") -> tuple[Project, User]:
    owner = make_user(db, "business")
    project_id = projects.create_draft(
        owner,
        {
            "title": title,
            "summary": "市内の工場で",
            "eligible_cost_yen": 1_000_000,
            "starts_at": START,
            "deadline": START + timedelta(days=30),
        },
    )
    tiers.add_tier(
        owner,
        project_id,
        {
            "amount_yen": 10_000,
            "gift_name": "タオル",
            "procurement_cost_yen": 3_000,
            "shipping_cost_yen": 800,
            "delivery_month": date(2027, 5, 1),
            "local_category": 3,
            "local_evidence": "市内で製織",
            "general_price_yen": 3_000,
            "local_value_added_yen": 2_000,
        },
    )
    projects.submit(owner, project_id)
    project = db.get(Project, project_id)
    assert project is not None
    return project, owner


def test_queue_lists_oldest_submission_first(client: FlaskClient, db: Session) -> None:
    """The review queue is ordered by submission time, oldest at the top."""
    submitted(db, "新しい提出")
    older, _ = submitted(db, "古い提出")
    older.submitted_at = datetime.now(UTC) - timedelta(days=2)
    db.flush()
    login(client, make_user(db, "staff"))
    page = client.get("/staff/review").get_data(as_text=True)
    assert page.index("古い提出") < page.index("新しい提出")


def test_reject_fix_resubmit_approve_through_the_pages(client: FlaskClient, db: Session) -> None:
    """Staff reject with a reason, see the diff of the fix, approve; every step audited."""
    project, owner = submitted(db)
    staff = make_user(db, "staff")
    login(client, staff)
    page = client.get(f"/staff/review/{project.id}").get_data(as_text=True)
    assert "確認はすべて通っています" in page and "初めての提出です" in page

    response = client.post(f"/staff/review/{project.id}/reject", data={"reason": ""})
    assert response.status_code == 422
    response = client.post(
        f"/staff/review/{project.id}/reject", data={"reason": "送料の根拠を示してください。"}
    )
    assert response.status_code == 302
    db.refresh(project)
    assert project.status == "draft" and project.rejection_reason == "送料の根拠を示してください。"

    tiers.update_tier(owner, project.id, project.tiers[0].id, {"shipping_cost_yen": 650})
    projects.submit(owner, project.id)
    page = client.get(f"/staff/review/{project.id}").get_data(as_text=True)
    assert (
        "コース1（10,000円）: 送料" in page
        and "<del>800</del>" in page
        and "<ins>650</ins>" in page
    )
    assert "前回の差し戻し理由" in page

    assert client.post(f"/staff/review/{project.id}/approve", data={"note": ""}).status_code == 302
    db.refresh(project)
    assert project.status == "approved"
    page = client.get("/staff/audit?target_type=project&target_id=" + str(project.id))
    text = page.get_data(as_text=True)
    for action in ("project.submit", "project.reject", "project.approve"):
        assert action in text


def test_approve_is_refused_while_violations_stand(client: FlaskClient, db: Session) -> None:
    """A project that no longer passes (deadline moved into the past) cannot be approved."""
    project, _ = submitted(db)
    project.deadline = datetime.now(UTC) - timedelta(hours=1)
    project.starts_at = datetime.now(UTC) - timedelta(days=2)
    db.flush()
    login(client, make_user(db, "staff"))
    response = client.post(f"/staff/review/{project.id}/approve", data={})
    assert response.status_code == 422
    assert "承認できません" in response.get_data(as_text=True)
    db.refresh(project)
    assert project.status == "submitted"


def test_staff_change_the_subsidy_rate(client: FlaskClient, db: Session) -> None:
    """The rate form recomputes target and cap."""
    project, _ = submitted(db)
    login(client, make_user(db, "staff"))
    client.post(f"/staff/review/{project.id}/rate", data={"subsidy_rate_percent": "50"})
    db.refresh(project)
    assert (project.subsidy_rate_percent, project.target_yen, project.cap_yen) == (
        50,
        1_000_000,
        2_000_000,
    )


def test_pause_with_reason_and_resume(client: FlaskClient, db: Session) -> None:
    """Pausing needs a reason; the campaigns list offers resume afterwards."""
    project = make_project(db, status="approved")
    login(client, make_user(db, "staff"))
    assert project.title in client.get("/staff/campaigns").get_data(as_text=True)
    client.post(f"/staff/campaigns/{project.id}/pause", data={"reason": ""})
    db.refresh(project)
    assert project.status == "approved"
    client.post(f"/staff/campaigns/{project.id}/pause", data={"reason": "原材料の産地を確認中"})
    db.refresh(project)
    assert (project.status, project.paused_reason) == ("paused", "原材料の産地を確認中")
    page = client.get("/staff/campaigns?status=paused").get_data(as_text=True)
    assert "原材料の産地を確認中" in page and "再開" in page
    client.post(f"/staff/campaigns/{project.id}/resume")
    db.refresh(project)
    assert project.status == "approved" and project.paused_reason == ""


def test_donors_businesses_and_anonymous_cannot_act_as_staff(
    client: FlaskClient, db: Session
) -> None:
    """Staff pages redirect anonymous users to log in and give others 403; nothing changes."""
    project, owner = submitted(db)
    live = make_project(db, status="approved")
    gets = [
        "/staff/",
        "/staff/review",
        f"/staff/review/{project.id}",
        "/staff/campaigns",
        "/staff/audit",
    ]
    posts = [
        (f"/staff/review/{project.id}/approve", {}),
        (f"/staff/review/{project.id}/reject", {"reason": "x"}),
        (f"/staff/review/{project.id}/rate", {"subsidy_rate_percent": "100"}),
        (f"/staff/campaigns/{live.id}/pause", {"reason": "x"}),
        (f"/staff/campaigns/{live.id}/resume", {}),
    ]
    for url in gets:
        assert client.get(url).status_code == 302, url
    for url, data in posts:
        assert client.post(url, data=data).status_code == 302, url
    for user in (make_user(db, "donor"), owner):
        login(client, user)
        for url in gets:
            assert client.get(url).status_code == 403, url
        for url, data in posts:
            assert client.post(url, data=data).status_code == 403, url
    db.refresh(project)
    db.refresh(live)
    assert project.status == "submitted" and live.status == "approved"
    assert project.subsidy_rate_percent == 40


def test_audit_log_filters(client: FlaskClient, db: Session) -> None:
    """Filtering by actor, action and date narrows the list."""
    alice = make_user(db, "staff", email="alice@city.example.jp")
    bob = make_user(db, "staff", email="bob@city.example.jp")
    one, two = make_project(db, status="approved"), make_project(db, status="approved")
    review.pause(alice, one.id, "確認中")
    review.pause(bob, two.id, "調査中")
    review.resume(bob, two.id)
    login(client, alice)
    page = client.get("/staff/audit?actor=alice").get_data(as_text=True)
    assert "alice@city.example.jp" in page and "bob@city.example.jp" not in page
    page = client.get("/staff/audit?action=project.resume").get_data(as_text=True)
    assert "1件" in page and "調査中" in page
    today = datetime.now(UTC).date()
    later = (today + timedelta(days=2)).isoformat()
    assert "0件" in client.get(f"/staff/audit?date_from={later}").get_data(as_text=True)
    assert db.scalar(select(AuditLog).where(AuditLog.actor_id == bob.id)) is not None


def test_staff_home_links_every_area(client: FlaskClient, db: Session) -> None:
    """The staff home links to review, campaigns, audit and the other areas' pages."""
    login(client, make_user(db, "staff"))
    page = client.get("/staff/").get_data(as_text=True)
    for href in (
        "/staff/review",
        "/staff/campaigns",
        "/staff/audit",
        "/staff/payouts",
        "/staff/reports",
        "/staff/onestop",
        "/staff/shipments/late",
    ):
        assert f'href="{href}"' in page
