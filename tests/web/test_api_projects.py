"""The projects API: drafts, tiers, submission with the violation list, decisions, listing."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from furusato.models import AuditLog, User
from furusato.services.campaigns import project_images, tiers
from tests.factories import PASSWORD, make_project, make_user

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
DRAFT = {
    "title": "泉州タオルの新ブランド",
    "summary": "市内の工場で新しいタオルをつくります。",
    "eligible_cost_yen": 1_000_000,
    "starts_at": START.isoformat(),
    "deadline": (START + timedelta(days=30)).isoformat(),
    "miss_policy": "refund",
}
TIER = {
    "amount_yen": 10_000,
    "gift_name": "泉州タオル 3枚",
    "procurement_cost_yen": 3_000,
    "shipping_cost_yen": 800,
    "delivery_month": "2027-05-01",
    "local_category": 3,
    "local_evidence": "市内の自社工場で製織",
    "general_price_yen": 3_000,
    "local_value_added_yen": 2_000,
}


def auth(client: FlaskClient, user: User) -> dict[str, str]:
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_business_creates_draft_with_derived_amounts(client: FlaskClient, db: Session) -> None:
    """POST /projects answers 201 with target and cap computed, and replays by Idempotency-Key."""
    headers = auth(client, make_user(db, "business")) | {"Idempotency-Key": "create-1"}
    first = client.post("/api/v1/projects", json=DRAFT, headers=headers)
    assert first.status_code == 201
    body = first.get_json()
    assert body["status"] == "draft" and body["subsidy_rate_percent"] == 40
    assert (body["target_yen"], body["cap_yen"]) == (1_250_000, 2_500_000)
    for key in ("id", "eligible_cost_yen", "starts_at", "deadline", "miss_policy", "tiers"):
        assert key in body
    again = client.post("/api/v1/projects", json=DRAFT, headers=headers)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["id"] == body["id"]


def test_target_and_rate_cannot_be_typed(client: FlaskClient, db: Session) -> None:
    """target_yen is refused as unknown; a business setting the rate gets 403."""
    headers = auth(client, make_user(db, "business"))
    response = client.post("/api/v1/projects", json=DRAFT | {"target_yen": 1}, headers=headers)
    assert response.status_code == 422 and "target_yen" in response.get_json()["errors"]
    response = client.post(
        "/api/v1/projects", json=DRAFT | {"subsidy_rate_percent": 100}, headers=headers
    )
    assert response.status_code == 403


def test_submit_returns_every_violation_then_succeeds(client: FlaskClient, db: Session) -> None:
    """A refused submission is a 422 problem with the list; fixing it lets it through."""
    owner = make_user(db, "business")
    headers = auth(client, owner)
    project_id = client.post(
        "/api/v1/projects", json=DRAFT | {"title": "ポイント還元タオル"}, headers=headers
    ).get_json()["id"]
    tier = client.post(
        f"/api/v1/projects/{project_id}/tiers",
        json=TIER | {"procurement_cost_yen": 3_001},
        headers=headers,
    )
    assert tier.status_code == 201 and tier.get_json()["procurement_cost_yen"] == 3_001
    refused = client.post(f"/api/v1/projects/{project_id}/submit", headers=headers)
    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    found = {(v["code"], v["location"]) for v in refused.get_json()["violations"]}
    assert found == {
        ("banned_words", "title"),
        ("gift_over_30_percent", "tiers.0.procurement_cost_yen"),
    }
    assert all(v["message"] for v in refused.get_json()["violations"])

    patched = client.patch(
        f"/api/v1/projects/{project_id}", json={"title": "泉州タオル"}, headers=headers
    )
    assert patched.status_code == 200 and patched.get_json()["title"] == "泉州タオル"
    tiers.update_tier(owner, project_id, tier.get_json()["id"], {"procurement_cost_yen": 3_000})
    accepted = client.post(f"/api/v1/projects/{project_id}/submit", headers=headers)
    assert accepted.status_code == 200
    assert accepted.get_json() == {"id": project_id, "status": "submitted", "revision": 1}
    frozen = client.patch(f"/api/v1/projects/{project_id}", json={"title": "x"}, headers=headers)
    assert frozen.status_code == 409


def _submitted(client: FlaskClient, db: Session) -> tuple[int, dict[str, str]]:
    headers = auth(client, make_user(db, "business"))
    project_id = client.post("/api/v1/projects", json=DRAFT, headers=headers).get_json()["id"]
    client.post(f"/api/v1/projects/{project_id}/tiers", json=TIER, headers=headers)
    assert client.post(f"/api/v1/projects/{project_id}/submit", headers=headers).status_code == 200
    return project_id, headers


def test_staff_reject_needs_a_reason_then_approve(client: FlaskClient, db: Session) -> None:
    """Reject without a reason is 422; with one the business sees it; approval schedules."""
    project_id, owner_headers = _submitted(client, db)
    staff = auth(client, make_user(db, "staff"))
    missing = client.post(f"/api/v1/projects/{project_id}/reject", json={}, headers=staff)
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    rejected = client.post(
        f"/api/v1/projects/{project_id}/reject",
        json={"reason": "根拠資料を添付してください"},
        headers=staff,
    )
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "draft"
    seen = client.get(f"/api/v1/projects/{project_id}", headers=owner_headers).get_json()
    assert seen["rejection_reason"] == "根拠資料を添付してください"
    assert (
        client.post(f"/api/v1/projects/{project_id}/submit", headers=owner_headers).get_json()[
            "revision"
        ]
        == 2
    )
    approved = client.post(f"/api/v1/projects/{project_id}/approve", json={}, headers=staff)
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "approved"
    assert approved.get_json()["phase"] == "scheduled"
    # Staff actions over the API are audited with the caller's address, as on the pages.
    entries = db.scalars(
        select(AuditLog).where(
            AuditLog.target_type == "project",
            AuditLog.target_id == str(project_id),
            AuditLog.action.in_(("project.reject", "project.approve")),
        )
    ).all()
    assert len(entries) == 2 and {e.ip_address for e in entries} == {"127.0.0.1"}


def test_staff_patch_sets_only_the_rate(client: FlaskClient, db: Session) -> None:
    """Staff PATCH changes the subsidy rate and the derived amounts, nothing else."""
    project_id, _ = _submitted(client, db)
    staff = auth(client, make_user(db, "staff"))
    body = client.patch(
        f"/api/v1/projects/{project_id}", json={"subsidy_rate_percent": 50}, headers=staff
    ).get_json()
    assert (body["target_yen"], body["cap_yen"]) == (1_000_000, 2_000_000)
    other = client.patch(f"/api/v1/projects/{project_id}", json={"title": "x"}, headers=staff)
    assert other.status_code == 403


def test_only_staff_decide_over_the_api(client: FlaskClient, db: Session) -> None:
    """Anonymous callers get 401; donors and businesses 403 on approve and reject."""
    project_id, owner_headers = _submitted(client, db)
    for path, body in (("approve", {}), ("reject", {"reason": "x"})):
        url = f"/api/v1/projects/{project_id}/{path}"
        assert client.post(url, json=body).status_code == 401
        assert client.post(url, json=body, headers=owner_headers).status_code == 403
        donor = auth(client, make_user(db, "donor"))
        assert client.post(url, json=body, headers=donor).status_code == 403
    staff = auth(client, make_user(db, "staff"))
    assert client.get(f"/api/v1/projects/{project_id}", headers=staff).get_json()["status"] == (
        "submitted"
    )


def test_another_business_gets_403(client: FlaskClient, db: Session) -> None:
    """Reading, editing, adding tiers to or submitting another's draft is forbidden."""
    project = make_project(db, status="draft")
    headers = auth(client, make_user(db, "business"))
    base = f"/api/v1/projects/{project.id}"
    assert client.get(base, headers=headers).status_code == 403
    assert client.patch(base, json={"title": "x"}, headers=headers).status_code == 403
    assert client.post(f"{base}/tiers", json=TIER, headers=headers).status_code == 403
    assert client.post(f"{base}/submit", headers=headers).status_code == 403
    assert client.get(base).status_code == 404  # anonymous: drafts do not exist


def test_listing_depends_on_who_asks(client: FlaskClient, db: Session) -> None:
    """Businesses see their own, staff all, anonymous callers only projects past review."""
    owner = make_user(db, "business")
    mine = make_project(db, owner.business, status="draft")
    live = make_project(db, status="approved")
    other = make_project(db, status="submitted")

    def ids(headers: dict[str, str] | None = None, query: str = "") -> set[int]:
        response = client.get(f"/api/v1/projects{query}", headers=headers or {})
        assert response.status_code == 200
        return {p["id"] for p in response.get_json()["items"]}

    assert ids(auth(client, owner)) == {mine.id}
    assert {mine.id, live.id, other.id} <= ids(auth(client, make_user(db, "staff")))
    public = ids()
    assert live.id in public and mine.id not in public and other.id not in public
    assert ids(query="?status=draft") == set()
    assert other.id in ids(auth(client, make_user(db, "staff")), "?status=submitted")
    assert client.get("/api/v1/projects?status=bogus").status_code == 422
    item = client.get(f"/api/v1/projects/{live.id}").get_json()
    assert item["tiers"][0]["procurement_cost_yen"] is None  # costs stay internal


def test_image_route_serves_public_images_and_hides_drafts(
    client: FlaskClient, db: Session
) -> None:
    """Images of a live project are cacheable; a draft's only reach its owner and staff."""
    owner = make_user(db, "business")
    draft = make_project(db, owner.business, status="draft")
    out = io.BytesIO()
    Image.new("RGB", (2000, 1000), (20, 20, 20)).save(out, format="JPEG")
    image_id = project_images.add_image(owner, draft.id, out.getvalue(), "写真")
    assert client.get(f"/images/{image_id}/large").status_code == 404
    from tests.conftest import login

    login(client, owner)
    private = client.get(f"/images/{image_id}/thumb")
    assert private.status_code == 200 and private.content_type == "image/jpeg"
    assert "no-store" in private.headers["Cache-Control"]
    with Image.open(io.BytesIO(private.data)) as thumb:
        assert thumb.size == (400, 200)
    login(client, make_user(db, "business"))
    assert client.get(f"/images/{image_id}/large").status_code == 404
    login(client, make_user(db, "staff"))
    assert client.get(f"/images/{image_id}/large").status_code == 200

    draft.status = "approved"
    db.flush()
    anon = client.application.test_client()
    public = anon.get(f"/images/{image_id}/large")
    assert public.status_code == 200 and "public" in public.headers["Cache-Control"]
    assert (
        anon.get(
            f"/images/{image_id}/large", headers={"If-None-Match": public.headers["ETag"]}
        ).status_code
        == 304
    )
    assert anon.get(f"/images/{image_id}/huge").status_code == 404


def test_openapi_lists_the_project_operations(client: FlaskClient) -> None:
    """The generated document includes the project paths and stays valid."""
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/projects", "/api/v1/projects/{project_id}/submit"):
        assert path in document["paths"]
    validate(document)
