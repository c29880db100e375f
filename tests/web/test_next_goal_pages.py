"""ネクストゴール through the pages and the JSON API: the business proposes, staff decide, the
project page and the API show both targets."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.models import NextGoal, Project, Tier, User
from furusato.services.campaigns import next_goals
from tests.conftest import login
from tests.factories import PASSWORD, make_project, make_user

TIER_FIELDS = {
    "tier-amount_yen": "30000",
    "tier-gift_name": "季節のタオル定期便",
    "tier-gift_description": "春・夏・秋に1枚ずつ",
    "tier-procurement_cost_yen": "3000",
    "tier-shipping_cost_yen": "800",
    "tier-delivery_months": "2027-04, 2027-08, 2027-12",
    "tier-local_category": "3",
    "tier-local_evidence": "市内の工場で製造",
    "tier-general_price_yen": "3000",
    "tier-local_value_added_yen": "2000",
}
API_TIER = {
    "amount_yen": 30_000,
    "gift_name": "季節のタオル定期便",
    "procurement_cost_yen": 3_000,
    "shipping_cost_yen": 800,
    "delivery_months": ["2027-04-01", "2027-08-01", "2027-12-01"],
    "local_category": 3,
    "local_evidence": "市内の工場で製造",
    "general_price_yen": 3_000,
    "local_value_added_yen": 2_000,
}


def funded(db: Session) -> tuple[Project, User]:
    project = make_project(db)
    project.paid_total_yen = project.reserved_total_yen = project.target_yen  # 1,250,000
    project.target_reached_at = datetime.now(UTC)
    owner = make_user(db, "business", business_id=project.business_id)
    db.flush()
    return project, owner


def _goal(db: Session, project: Project) -> NextGoal:
    goal = db.scalar(
        select(NextGoal).where(NextGoal.project_id == project.id).order_by(NextGoal.id.desc())
    )
    assert goal is not None
    return goal


def auth(client: FlaskClient, user: User) -> dict[str, str]:
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_the_business_proposes_with_a_teikibin_tier_through_its_page(
    client: FlaskClient, db: Session
) -> None:
    """The page says where the campaign stands and what a next goal means for settlement; the
    form's proposal, with a new tier, waits for staff and the form gives way to a notice."""
    project, owner = funded(db)
    login(client, owner)
    page = client.get(f"/business/projects/{project.id}/next-goal").get_data(as_text=True)
    assert "¥1,250,000" in page and "¥2,500,000" in page
    assert "届かなくても寄附の返金はなく" in page and 'name="tier-delivery_months"' in page
    form = {"amount_yen": "2000000", "reason": "乾燥機を増やします。", "add_tier": "y"}
    response = client.post(f"/business/projects/{project.id}/next-goal", data=form | TIER_FIELDS)
    assert response.status_code == 302
    goal = _goal(db, project)
    assert goal.status == "proposed" and goal.new_tiers[0]["delivery_months"] == [
        "2027-04-01",
        "2027-08-01",
        "2027-12-01",
    ]
    page = client.get(f"/business/projects/{project.id}/next-goal").get_data(as_text=True)
    assert "審査中のネクストゴールがあります" in page and 'name="amount_yen"' not in page


def test_a_tier_over_the_rules_is_shown_on_its_field(client: FlaskClient, db: Session) -> None:
    """Three deliveries of 3,001 yen on 30,000 yen: 422, the message on the tier's cost field."""
    project, owner = funded(db)
    login(client, owner)
    form = {"amount_yen": "2000000", "reason": "乾燥機を増やします。", "add_tier": "y"}
    response = client.post(
        f"/business/projects/{project.id}/next-goal",
        data=form | TIER_FIELDS | {"tier-procurement_cost_yen": "3001"},
    )
    assert response.status_code == 422
    assert "定期便3回分の調達費（9,003円）" in response.get_data(as_text=True)
    assert db.scalar(select(NextGoal).where(NextGoal.project_id == project.id)) is None


def test_an_unfunded_campaign_shows_why_no_next_goal_yet(client: FlaskClient, db: Session) -> None:
    """Below its target, the page explains and offers no form; the project page links to it."""
    project = make_project(db)
    login(client, make_user(db, "business", business_id=project.business_id))
    page = client.get(f"/business/projects/{project.id}/next-goal").get_data(as_text=True)
    assert "目標額に達したプロジェクトだけ" in page and 'name="reason"' not in page
    assert f"/business/projects/{project.id}/next-goal" in client.get(
        f"/business/projects/{project.id}"
    ).get_data(as_text=True)


def test_staff_approve_and_the_project_page_shows_both_targets(
    client: FlaskClient, db: Session
) -> None:
    """Staff see the proposal with its tier's rules report and approve it; the public page then
    shows the first target reached and the next one with its progress and reason."""
    project, owner = funded(db)
    goal_id = next_goals.propose(
        owner, project.id, amount_yen=2_000_000, reason="乾燥機を増やします。", new_tiers=[]
    )
    login(client, make_user(db, "staff"))
    listing = client.get("/staff/next-goals").get_data(as_text=True)
    assert f"/staff/next-goals/{goal_id}" in listing and project.title in listing
    review = client.get(f"/staff/next-goals/{goal_id}").get_data(as_text=True)
    assert "乾燥機を増やします。" in review and "¥800,000" in review  # subsidy at the goal
    response = client.post(f"/staff/next-goals/{goal_id}/approve", data={"note": ""})
    assert response.status_code == 302 and _goal(db, project).status == "approved"
    public = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "ネクストゴール ¥2,000,000 の 62%" in public
    assert "目標 ¥1,250,000 の 100%" in public
    assert "乾燥機を増やします。" in public and "返礼品もお届けします" in public
    assert 'aria-label="ネクストゴールに対する達成率"' in public


def test_staff_reject_with_a_reason_the_business_reads(client: FlaskClient, db: Session) -> None:
    """No reason: 422 and nothing decided; with one, rejected, shown on the business's page."""
    project, owner = funded(db)
    goal_id = next_goals.propose(owner, project.id, amount_yen=2_000_000, reason="設備を増やします。")
    login(client, make_user(db, "staff"))
    assert client.post(f"/staff/next-goals/{goal_id}/reject", data={}).status_code == 422
    assert _goal(db, project).status == "proposed"
    response = client.post(
        f"/staff/next-goals/{goal_id}/reject", data={"reason": "根拠を添えてください。"}
    )
    assert response.status_code == 302
    login(client, owner)
    page = client.get(f"/business/projects/{project.id}/next-goal").get_data(as_text=True)
    assert "根拠を添えてください。" in page and "却下" in page and 'name="amount_yen"' in page


def test_english_pages_translate_the_next_goal(client: FlaskClient, db: Session) -> None:
    """An approved next goal reads in English on the English project page."""
    project, owner = funded(db)
    goal_id = next_goals.propose(owner, project.id, amount_yen=2_000_000, reason="設備")
    from furusato.services.campaigns import next_goal_review

    next_goal_review.approve(make_user(db, "staff"), goal_id)
    client.get("/lang/en?next=/")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Next goal" in page and "ネクストゴール" not in page


def test_the_api_proposes_lists_and_decides(client: FlaskClient, db: Session) -> None:
    """POST a proposal (201, replayed by Idempotency-Key), list it, staff queue and approve it;
    the project's answer then carries `next_goal` and the new tier with its months."""
    project, owner = funded(db)
    headers = auth(client, owner)
    body = {"amount_yen": 2_000_000, "reason": "乾燥機を増やします。", "tiers": [API_TIER]}
    first = client.post(
        f"/api/v1/projects/{project.id}/next-goals",
        json=body,
        headers=headers | {"Idempotency-Key": "goal-1"},
    )
    assert first.status_code == 201, first.get_json()
    again = client.post(
        f"/api/v1/projects/{project.id}/next-goals",
        json=body,
        headers=headers | {"Idempotency-Key": "goal-1"},
    )
    assert again.headers.get("Idempotent-Replayed") == "true"
    goal = first.get_json()
    assert goal["status"] == "proposed" and goal["new_tiers"][0]["delivery_months"] == [
        "2027-04-01",
        "2027-08-01",
        "2027-12-01",
    ]
    listed = client.get(f"/api/v1/projects/{project.id}/next-goals", headers=headers)
    assert [g["id"] for g in listed.get_json()["items"]] == [goal["id"]]
    staff = auth(client, make_user(db, "staff"))
    queue = client.get("/api/v1/next-goals", headers=staff).get_json()["items"]
    assert goal["id"] in [g["id"] for g in queue]
    approved = client.post(f"/api/v1/next-goals/{goal['id']}/approve", json={}, headers=staff)
    assert approved.status_code == 200 and len(approved.get_json()["added_tier_ids"]) == 1
    shown = client.get(f"/api/v1/projects/{project.id}").get_json()
    assert shown["next_goal"]["amount_yen"] == 2_000_000 and shown["next_goal"]["percent"] == 62
    assert shown["next_goal"]["subsidy_at_goal_yen"] == 800_000
    new_tier = next(t for t in shown["tiers"] if t["gift_name"] == "季節のタオル定期便")
    assert len(new_tier["delivery_months"]) == 3
    assert db.get(Tier, approved.get_json()["added_tier_ids"][0]) is not None


def test_the_api_refuses_what_the_rules_refuse(client: FlaskClient, db: Session) -> None:
    """An unfunded campaign: 409; a tier over 30 %: 422 naming `tiers.0.…`; a business
    cannot approve (403); a rejection without a reason is 422."""
    project, owner = funded(db)
    headers = auth(client, owner)
    over = dict(API_TIER, procurement_cost_yen=3_001)
    refused = client.post(
        f"/api/v1/projects/{project.id}/next-goals",
        json={"amount_yen": 2_000_000, "reason": "理由", "tiers": [over]},
        headers=headers,
    )
    assert refused.status_code == 422
    assert "tiers.0.procurement_cost_yen" in refused.get_json()["errors"]
    short = make_project(db)
    other = auth(client, make_user(db, "business", business_id=short.business_id))
    assert (
        client.post(
            f"/api/v1/projects/{short.id}/next-goals",
            json={"amount_yen": 2_000_000, "reason": "理由"},
            headers=other,
        ).status_code
        == 409
    )
    goal_id = next_goals.propose(owner, project.id, amount_yen=2_000_000, reason="理由")
    assert client.post(f"/api/v1/next-goals/{goal_id}/approve", json={}, headers=headers).status_code == 403
    staff = auth(client, make_user(db, "staff"))
    assert client.post(f"/api/v1/next-goals/{goal_id}/reject", json={}, headers=staff).status_code == 422


def test_the_openapi_document_has_the_next_goal_operations(app: Flask) -> None:
    """Every next-goal operation and its models are in the OpenAPI document."""
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/projects/{project_id}/next-goals"])
    assert "post" in paths["/api/v1/next-goals/{goal_id}/approve"]
    assert "post" in paths["/api/v1/next-goals/{goal_id}/reject"]
    assert "get" in paths["/api/v1/next-goals"] and "get" in paths["/api/v1/next-goals/{goal_id}"]
    assert {"NextGoalIn", "NextGoalOut", "NextGoalShownOut"} <= set(doc["components"]["schemas"])
