"""The project as the API shows it: the phase of the moment, and what only insiders see."""

from __future__ import annotations

from sqlalchemy.orm import Session

from furusato.services.campaigns import project_views
from tests.factories import make_project, make_user


def test_insiders_see_costs_and_evidence_others_do_not(db: Session) -> None:
    """The owning business and staff get the tiers' costs, the evidence, the story's source and
    the rejection reason; a donor, another business and a visitor get None in their place."""
    project = make_project(db)  # approved, started yesterday: live
    owner = make_user(db, "business", business_id=project.business_id)
    tier = project.tiers[0]
    for insider in (owner, make_user(db, "staff")):
        seen = project_views.load(insider, project.id)
        assert seen.story_markdown == project.story_markdown and seen.rejection_reason == ""
        assert (seen.tiers[0].procurement_cost_yen, seen.tiers[0].local_evidence) == (
            tier.procurement_cost_yen,
            tier.local_evidence,
        )
    for outsider in (make_user(db, "donor"), make_user(db, "business"), None):
        seen = project_views.load(outsider, project.id)
        assert (seen.story_markdown, seen.rejection_reason) == (None, None)
        assert seen.tiers[0].shipping_cost_yen is None and seen.tiers[0].local_evidence is None
        assert (seen.phase, seen.business_name) == ("live", project.business.name)
        assert seen.tiers[0].local_category_label  # the 地場産品基準 item's label
