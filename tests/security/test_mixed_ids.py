"""Object references mixed across owners: business B names its own project in the path and
business A's tier, image or shipment after it. The child must be checked against the project
(and the project against the caller), so nothing of A's changes."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from furusato.models import ProjectImage, Shipment, Tier
from tests.conftest import login
from tests.factories import make_project
from tests.security.rules import SENT
from tests.security.world import build_world


def test_own_project_with_another_business_s_children_changes_nothing(
    client: FlaskClient, db: Session
) -> None:
    """Edit, delete and mark-sent with B's project id and A's tier, image and shipment ids:
    403/404 each, and A's rows are untouched."""
    world = build_world(db)
    business_b = world.users["business_b"]
    assert business_b.business is not None
    own_draft = make_project(db, business_b.business, status="draft")
    own_live = world.ids["project_b"]
    tier, image, shipment = (
        world.ids["draft_tier"],
        world.ids["draft_image"],
        world.ids["shipment_a"],
    )
    login(client, business_b)
    base = f"/business/projects/{own_draft.id}"
    answers = {
        "edit tier page": client.get(f"{base}/tiers/{tier}/edit"),
        "edit tier": client.post(f"{base}/tiers/{tier}/edit", data={"amount_yen": 2_000}),
        "delete tier": client.post(f"{base}/tiers/{tier}/delete"),
        "delete image": client.post(f"{base}/images/{image}/delete"),
        "mark sent": client.post(
            f"/business/projects/{own_live}/shipments/{shipment}/sent", data=SENT
        ),
    }
    refused = {name: r.status_code for name, r in answers.items() if r.status_code in (403, 404)}
    assert refused.keys() == answers.keys(), {n: r.status_code for n, r in answers.items()}
    db.expire_all()
    kept_tier, kept_image = db.get(Tier, tier), db.get(ProjectImage, image)
    kept_shipment = db.get(Shipment, shipment)
    assert kept_tier is not None and kept_tier.amount_yen == 10_000
    assert kept_image is not None
    assert kept_shipment is not None and kept_shipment.status == "scheduled"


def test_api_shipment_of_another_business_cannot_be_marked(
    client: FlaskClient, db: Session
) -> None:
    """PATCH /api/v1/shipments/<A's shipment> as business B: 403, still scheduled."""
    world = build_world(db)
    response = client.patch(
        f"/api/v1/shipments/{world.ids['shipment_a']}",
        json=SENT,
        headers=world.bearer("business_b"),
    )
    assert response.status_code in (403, 404)
    shipment = db.get(Shipment, world.ids["shipment_a"], populate_existing=True)
    assert shipment is not None and shipment.status == "scheduled"


def test_public_project_hides_the_business_s_costs_from_others(
    client: FlaskClient, db: Session
) -> None:
    """A live project over the API: another business, a donor and a guest see no procurement
    or shipping cost, no local-product evidence, no Markdown source, no rejection reason."""
    world = build_world(db)
    url = f"/api/v1/projects/{world.ids['project_a']}"
    insider_only = (
        "procurement_cost_yen",
        "shipping_cost_yen",
        "local_evidence",
        "general_price_yen",
        "local_value_added_yen",
        "lodging_price_yen",
        "processed_kind",
        "same_prefecture",
        "local_review_note",
    )
    for actor in ("business_b", "donor_b", "anonymous"):
        project = client.get(url, headers=world.bearer(actor)).get_json()
        assert project["story_markdown"] is None and project["rejection_reason"] is None
        assert all(tier[name] is None for tier in project["tiers"] for name in insider_only)
    owner = client.get(url, headers=world.bearer("business_a")).get_json()
    assert owner["tiers"][0]["procurement_cost_yen"] == 3_000  # the control
    assert owner["tiers"][0]["general_price_yen"] == 3_000
