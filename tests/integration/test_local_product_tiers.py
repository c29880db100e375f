"""A tier's local-product facts through the tier service and submission: stored as given, a
value the columns cannot hold refused at once with nothing saved, and a tier breaking one of
告示第5条's later rules kept as a draft but refused at submission with the rule named."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.models import Project, Tier
from furusato.services.campaigns import projects, tiers
from furusato.services.campaigns.projects import ComplianceFailed
from furusato.services.errors import ValidationFailed
from tests.factories import make_user
from tests.integration.test_projects_service import draft_values, tier_values


def owner_and_draft(db: Session) -> tuple[Any, int]:
    owner = make_user(db, "business")
    return owner, projects.create_draft(owner, draft_values())


def test_the_facts_are_stored_as_given(db: Session) -> None:
    """8号's kind, the 一般販売価格, the value added, a 宿泊 price and the 熟成肉 flag are kept."""
    owner, project_id = owner_and_draft(db)
    tier_id = tiers.add_tier(
        owner,
        project_id,
        tier_values(
            local_category=8,
            local_subitem="ha",
            general_price_yen=2_900,
            local_value_added_yen=None,
            processed_kind="aged_meat",
            same_prefecture=True,
        ),
    )
    tier = db.get(Tier, tier_id)
    assert tier is not None
    assert (tier.local_subitem, tier.general_price_yen, tier.processed_kind) == (
        "ha",
        2_900,
        "aged_meat",
    )
    assert tier.same_prefecture is True and tier.lodging_price_yen is None


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"local_category": 3, "local_subitem": "i"}, "local_subitem"),
        ({"local_category": 8, "local_subitem": "ni"}, "local_subitem"),
        ({"local_category": 7, "lodging_price_yen": 0}, "lodging_price_yen"),
        ({"general_price_yen": -1}, "general_price_yen"),
        ({"local_value_added_yen": "1000"}, "local_value_added_yen"),
        ({"processed_kind": "wagyu"}, "processed_kind"),
        ({"same_prefecture": "yes"}, "same_prefecture"),
        ({"general_price_yen": 10_000_001}, "general_price_yen"),
    ],
)
def test_values_the_columns_cannot_hold_are_refused_at_once(
    db: Session, given: dict[str, Any], field: str
) -> None:
    """Refused with the field named; no tier is stored."""
    owner, project_id = owner_and_draft(db)
    with pytest.raises(ValidationFailed) as caught:
        tiers.add_tier(owner, project_id, tier_values(**given))
    assert field in caught.value.fields
    assert db.scalar(select(func.count()).select_from(Tier)) == 0


def test_moving_off_item_8_without_clearing_its_kind_is_refused(db: Session) -> None:
    """A stored 8号ロ tier changed to 1号 with its kind kept would break the row's rule."""
    owner, project_id = owner_and_draft(db)
    tier_id = tiers.add_tier(owner, project_id, tier_values(local_category=8, local_subitem="ro"))
    with pytest.raises(ValidationFailed) as caught:
        tiers.update_tier(owner, project_id, tier_id, {"local_category": 1})
    assert "local_subitem" in caught.value.fields
    tiers.update_tier(owner, project_id, tier_id, {"local_category": 1, "local_subitem": None})
    assert db.get(Tier, tier_id).local_subitem is None  # type: ignore[union-attr]


def test_a_draft_keeps_a_tier_over_a_rule_and_submission_names_the_rule(db: Session) -> None:
    """A 宿泊 at ¥50,001 per person-night saves as a draft, is refused at submission with the
    宿泊 rule, and passes at ¥50,000."""
    owner, project_id = owner_and_draft(db)
    lodging = tier_values(
        amount_yen=200_000,
        procurement_cost_yen=50_001,
        shipping_cost_yen=0,
        general_price_yen=50_001,
        local_category=7,
        lodging_price_yen=50_001,
    )
    tier_id = tiers.add_tier(owner, project_id, lodging)
    with pytest.raises(ComplianceFailed) as caught:
        projects.submit(owner, project_id)
    found = {v.code: v for v in caught.value.violations}
    assert set(found) == {"lodging_over_limit"}
    assert "宿泊" in found["lodging_over_limit"].message
    assert found["lodging_over_limit"].location == "tiers.0.lodging_price_yen"
    tiers.update_tier(owner, project_id, tier_id, {"lodging_price_yen": 50_000})
    projects.submit(owner, project_id)
    assert db.get(Project, project_id).status == "submitted"  # type: ignore[union-attr]
