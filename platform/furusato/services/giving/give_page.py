"""The give page: a campaign's tiers, whether it takes donations now, what happens if it misses
its target, what its business offers gifts (another recipient is always possible; wrapping,
のし and delivery windows if offered), the donor's last details to start from, and the pledge
the page posts.

`give` is the page's one call: the form is shown again with the refusal when the pledge is
refused, and the page's data comes with the pledge either way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from furusato.domain import deliveries
from furusato.domain.campaign import clock_of
from furusato.domain.cheer import NO_MESSAGE, CheerChoice
from furusato.domain.deliveries import GiftChoice, GiftOffer
from furusato.domain.money import utcnow
from furusato.domain.pledge import DonorDetails
from furusato.domain.states import CampaignStatus
from furusato.models import Project
from furusato.services.errors import NotFound, ServiceError
from furusato.services.fulfilment import gift_options
from furusato.services.giving import donation_mail, donation_views, donations
from furusato.services.uow import UnitOfWork

# A campaign the public has not seen yet has no give page.
_UNPUBLISHED = (CampaignStatus.DRAFT, CampaignStatus.SUBMITTED)


@dataclass(frozen=True)
class PledgeAsked:
    """What the give form posted (see donations.create)."""

    tier_id: int | None
    amount_yen: int
    donor: DonorDetails
    onestop: bool
    creation_key: str
    user_id: int | None = None
    gift: GiftChoice = deliveries.NONE  # another recipient, wrapping, のし, a window
    cheer: CheerChoice = NO_MESSAGE  # 応援メッセージ, shown once approved


@dataclass(frozen=True)
class GivePage:
    project: Project  # detached, with its tiers
    open_now: bool  # takes donations at this moment
    miss_policy: str  # a message: the page translates it
    gift_offer: GiftOffer  # what the business offers donors' gifts (the form's choices)
    last_details: DonorDetails | None = None  # the donor's latest, when asked for
    pledged: donations.Pledge | None = None  # the pledge made (or found again) from the post
    refused: ServiceError | None = None  # why the posted pledge was refused


def give(
    project_id: int, *, prefill_for: int | None = None, pledge: PledgeAsked | None = None
) -> GivePage:
    """The page of a published campaign (NotFound otherwise), with the details of the donor
    `prefill_for` gave last, and `pledge` made if the campaign takes donations now."""
    project, offer = _project_for_giving(project_id)
    page = GivePage(
        project=project,
        open_now=clock_of(project).accepts_donations(utcnow()),
        miss_policy=donation_mail.miss_policy_text(project),
        gift_offer=offer,
    )
    if prefill_for is not None:
        page = replace(page, last_details=donation_views.last_details(prefill_for))
    if pledge is None or not page.open_now:
        return page
    try:
        made = donations.create(
            project_id=project_id,
            tier_id=pledge.tier_id,
            amount_yen=pledge.amount_yen,
            donor=pledge.donor,
            onestop=pledge.onestop,
            creation_key=pledge.creation_key,
            user_id=pledge.user_id,
            gift=pledge.gift,
            cheer=pledge.cheer,
        )
    except ServiceError as exc:
        return replace(page, refused=exc)
    return replace(page, pledged=made)


def _project_for_giving(project_id: int) -> tuple[Project, GiftOffer]:
    """A published project with its tiers (detached), and its business's gift offer."""
    with UnitOfWork() as uow:
        project = uow.session.get(Project, project_id)
        if project is None or project.status in _UNPUBLISHED:
            raise NotFound("プロジェクトが見つかりません。")
        _ = project.tiers
        offer = gift_options.offer_of(project.business)
        uow.session.expunge_all()
        return project, offer
