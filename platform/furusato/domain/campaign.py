"""Where a campaign stands at a moment: the phase donors and staff see.

The stored status says what people decided (draft, submitted, approved, paused) and how far
settlement got; the phase adds time: an approved campaign is `scheduled` before its start, `live`
until its deadline or cap, then `ended` until the settlement sweep claims it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from furusato.domain.messages import N_
from furusato.domain.states import CampaignStatus

PAYMENTS_PAUSED = N_(
    "このプロジェクトは現在、寄附の受付を一時停止しています。"
    "お申し込みは有効期限まで保持され、受付が再開されればお支払いいただけます。"
)


class Phase(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    SCHEDULED = "scheduled"
    LIVE = "live"
    PAUSED = "paused"
    ENDED = "ended"  # past deadline or at cap, not yet claimed for settlement
    SETTLING = "settling"  # closing or settling
    SETTLED = "settled"


@dataclass(frozen=True)
class CampaignClock:
    status: str
    starts_at: datetime | None
    deadline: datetime | None
    reserved_total_yen: int
    cap_yen: int

    def phase(self, now: datetime) -> Phase:
        status = CampaignStatus(self.status)
        if status == CampaignStatus.DRAFT:
            return Phase.DRAFT
        if status == CampaignStatus.SUBMITTED:
            return Phase.IN_REVIEW
        if status in (CampaignStatus.CLOSING, CampaignStatus.SETTLING):
            return Phase.SETTLING
        if status == CampaignStatus.SETTLED:
            return Phase.SETTLED
        if self.deadline is not None and now >= self.deadline:
            return Phase.ENDED
        if status == CampaignStatus.PAUSED:
            return Phase.PAUSED
        if self.starts_at is not None and now < self.starts_at:
            return Phase.SCHEDULED
        if self.cap_yen and self.reserved_total_yen >= self.cap_yen:
            return Phase.ENDED
        return Phase.LIVE

    def accepts_donations(self, now: datetime) -> bool:
        return self.phase(now) == Phase.LIVE

    def room_yen(self) -> int:
        """What may still be pledged before the cap (pending pledges count until they expire)."""
        return max(self.cap_yen - self.reserved_total_yen, 0)


def takes_payments(status: str, paused_reason: str) -> bool:
    """Whether a pledge that holds its reservation may be paid (or get a card form) now.

    An approved campaign takes them, also past its deadline or at its cap: the pledge was made
    while it was live, and settlement waits for it. A closing one too, unless it was paused
    when it closed (its pause reason is kept): it will not resume. A paused campaign takes
    none; its pledges keep their reservations until they lapse or the campaign resumes. No
    other status holds payable pledges."""
    if status == CampaignStatus.APPROVED:
        return True
    if status == CampaignStatus.CLOSING:
        return not paused_reason
    return False


def clock_of(project: object) -> CampaignClock:
    """Build the clock from anything with the project's attributes (model row or snapshot)."""
    return CampaignClock(
        status=getattr(project, "status"),  # noqa: B009
        starts_at=getattr(project, "starts_at"),  # noqa: B009
        deadline=getattr(project, "deadline"),  # noqa: B009
        reserved_total_yen=getattr(project, "reserved_total_yen"),  # noqa: B009
        cap_yen=getattr(project, "cap_yen"),  # noqa: B009
    )


def days_left(deadline: datetime | None, now: datetime) -> int | None:
    """Whole days until the deadline, rounded up (0 once it has passed)."""
    if deadline is None:
        return None
    seconds = (deadline - now).total_seconds()
    if seconds <= 0:
        return 0
    return int(-(-seconds // 86_400))
