"""The state machines of campaigns, donations, payments, shipments, payouts, one-stop forms,
a funded campaign's next goal, campaign updates (活動報告) and donors' messages (応援メッセージ).

Each machine lists its states and the moves allowed between them; `Machine.check` refuses any
other move, so a service cannot put a row into a state the business does not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class IllegalTransition(ValueError):
    """A move the state machine does not allow."""


class CampaignStatus(StrEnum):
    DRAFT = "draft"  # the business edits freely
    SUBMITTED = "submitted"  # frozen, waiting for staff review
    APPROVED = "approved"  # adopted; live between starts_at and deadline
    PAUSED = "paused"  # staff stopped donations for a stated reason
    CLOSING = "closing"  # past deadline or at cap: no new donations, pending ones may finish
    SETTLING = "settling"  # outcome decided, per-donation work in progress
    SETTLED = "settled"  # every donation handled


class CampaignOutcome(StrEnum):
    FUNDED = "funded"
    MISSED = "missed"


class MissPolicy(StrEnum):
    REFUND = "refund"
    KEEP = "keep"


class DonationStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"  # stock and cap room reserved, waiting for the card
    PAID = "paid"
    EXPIRED = "expired"  # payment never completed; reservation released
    REFUNDED = "refunded"


class SettlementState(StrEnum):
    """Per-donation progress of a campaign's settlement (claimed one by one)."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class AttemptKind(StrEnum):
    CHARGE = "charge"
    REFUND = "refund"


class AttemptStatus(StrEnum):
    STARTED = "started"  # row written, gateway call not yet answered
    REQUIRES_ACTION = "requires_action"  # the donor's bank asks for 3-D Secure
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # a definite no (card declined): never retried blindly
    UNKNOWN = "unknown"  # the call's outcome is not known (network): reconcile, never re-charge


class ShipmentStatus(StrEnum):
    """One delivery of a gift: a 定期便 of N deliveries is N shipments, each with its own state."""

    SCHEDULED = "scheduled"
    SENT = "sent"
    CANCELED = "canceled"


class NextGoalStatus(StrEnum):
    """ネクストゴール: a second target a funded campaign's business proposes, up to the cap."""

    PROPOSED = "proposed"  # the business asked, with a reason (and maybe new tiers); staff decide
    APPROVED = "approved"  # shown beside the first target; its new tiers are added to the campaign
    REJECTED = "rejected"  # refused with a reason the business reads; it may propose again


class UpdateStatus(StrEnum):
    """活動報告: an update the business posts to its campaign's page and donors."""

    PUBLISHED = "published"  # on the page; mailed to the donors once (if not mailed yet)
    HELD = "held"  # held back by staff: not shown, not mailed; staff may release it


class CheerStatus(StrEnum):
    """応援メッセージ: a donor's message left with a pledge."""

    PENDING = "pending"  # waiting for the business or staff
    APPROVED = "approved"  # shown on the project page (once its donation is paid)
    HIDDEN = "hidden"  # declined by the business, or hidden by staff (audited)


class PayoutStatus(StrEnum):
    DRAFT = "draft"
    PREPARED = "prepared"
    APPROVED = "approved"
    EXPORTED = "exported"
    PAID = "paid"


class OnestopStatus(StrEnum):
    REQUESTED = "requested"  # the donor asked; the signed form has not arrived
    ACCEPTED = "accepted"  # form received in time, My Number recorded
    LATE = "late"  # received after the deadline: excluded, donor notified
    WITHDRAWN = "withdrawn"  # the donation was refunded


class NoticeStatus(StrEnum):
    """申告特例通知書 to the donor's residence municipality, for one application."""

    DUE = "due"  # accepted: the notice must go out by January 31
    SENT = "sent"  # staff posted it (on the date they recorded)
    CORRECTION_DUE = "correction_due"  # the donor's details changed after it was sent
    CORRECTED = "corrected"  # the correction was sent
    CANCELLATION_DUE = "cancellation_due"  # the donation was refunded after it was sent
    CANCELLED = "cancelled"  # the cancellation was sent
    WITHDRAWN = "withdrawn"  # refunded before any notice went out: nothing to send


class Role(StrEnum):
    DONOR = "donor"
    BUSINESS = "business"
    STAFF = "staff"


@dataclass(frozen=True)
class Machine:
    name: str
    moves: dict[str, frozenset[str]]

    @property
    def states(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for source, targets in self.moves.items():
            seen[source] = None
            for target in targets:
                seen[target] = None
        return tuple(seen)

    def can(self, current: str, target: str) -> bool:
        return target in self.moves.get(current, frozenset())

    def check(self, current: str, target: str) -> None:
        if not self.can(current, target):
            raise IllegalTransition(f"{self.name}: {current} → {target} is not allowed")

    def sources(self, target: str) -> tuple[str, ...]:
        """States from which `target` may be reached (for conditional UPDATE ... WHERE)."""
        return tuple(s for s, targets in self.moves.items() if target in targets)


def _m(name: str, moves: dict[StrEnum, set[StrEnum]]) -> Machine:
    return Machine(name, {str(k): frozenset(str(t) for t in v) for k, v in moves.items()})


C, D, A, S, P, O, G, U, M = (
    CampaignStatus,
    DonationStatus,
    AttemptStatus,
    ShipmentStatus,
    PayoutStatus,
    OnestopStatus,
    NextGoalStatus,
    UpdateStatus,
    CheerStatus,
)

CAMPAIGN = _m(
    "campaign",
    {
        C.DRAFT: {C.SUBMITTED},
        C.SUBMITTED: {C.DRAFT, C.APPROVED},
        C.APPROVED: {C.PAUSED, C.CLOSING},
        C.PAUSED: {C.APPROVED, C.CLOSING},
        C.CLOSING: {C.SETTLING},
        C.SETTLING: {C.SETTLED},
        C.SETTLED: set(),
    },
)
DONATION = _m(
    "donation",
    {
        D.PENDING_PAYMENT: {D.PAID, D.EXPIRED},
        D.PAID: {D.REFUNDED},
        D.EXPIRED: {D.PAID},  # a late payment confirmation still wins: the money arrived
        D.REFUNDED: set(),
    },
)
ATTEMPT = _m(
    "payment attempt",
    {
        A.STARTED: {A.REQUIRES_ACTION, A.SUCCEEDED, A.FAILED, A.UNKNOWN},
        A.REQUIRES_ACTION: {A.SUCCEEDED, A.FAILED},
        A.UNKNOWN: {A.SUCCEEDED, A.FAILED, A.REQUIRES_ACTION},
        A.SUCCEEDED: set(),
        A.FAILED: set(),
    },
)
SHIPMENT = _m(
    "shipment",
    {S.SCHEDULED: {S.SENT, S.CANCELED}, S.SENT: set(), S.CANCELED: set()},
)
PAYOUT = _m(
    "payout",
    {
        P.DRAFT: {P.PREPARED},
        # Back to draft when the business's bank account changes before the transfer file is
        # made: the new account must be checked and approved again (never once exported).
        P.PREPARED: {P.APPROVED, P.DRAFT},
        P.APPROVED: {P.EXPORTED, P.DRAFT},
        P.EXPORTED: {P.PAID},
        P.PAID: set(),
    },
)
ONESTOP = _m(
    "one-stop application",
    {
        O.REQUESTED: {O.ACCEPTED, O.LATE, O.WITHDRAWN},
        O.ACCEPTED: {O.WITHDRAWN},
        O.LATE: set(),
        O.WITHDRAWN: set(),
    },
)

N = NoticeStatus
NOTICE = _m(
    "one-stop notice",
    {
        N.DUE: {N.SENT, N.WITHDRAWN},
        N.SENT: {N.CORRECTION_DUE, N.CANCELLATION_DUE},
        N.CORRECTION_DUE: {N.CORRECTED, N.CANCELLATION_DUE},
        N.CORRECTED: {N.CORRECTION_DUE, N.CANCELLATION_DUE},
        N.CANCELLATION_DUE: {N.CANCELLED},
        N.CANCELLED: set(),
        N.WITHDRAWN: set(),
    },
)
# What sending a notice of each pending state makes it; the kind printed on the notice.
NOTICE_SENT_AS = {N.DUE: N.SENT, N.CORRECTION_DUE: N.CORRECTED, N.CANCELLATION_DUE: N.CANCELLED}
NOTICE_PENDING = tuple(str(s) for s in NOTICE_SENT_AS)

# A campaign has at most one proposal waiting and one approved next goal (partial unique
# indexes); a rejected proposal stays as history and a new one may follow it.
NEXT_GOAL = _m(
    "next goal",
    {G.PROPOSED: {G.APPROVED, G.REJECTED}, G.APPROVED: set(), G.REJECTED: set()},
)

# Staff hold an update back and may release it again; mail goes only from a published update
# that has not been mailed (services/campaigns/update_mail.py).
UPDATE = _m("update", {U.PUBLISHED: {U.HELD}, U.HELD: {U.PUBLISHED}})
# The business or staff approve or decline a pending message; staff may hide an approved one.
CHEER = _m(
    "cheer message",
    {M.PENDING: {M.APPROVED, M.HIDDEN}, M.APPROVED: {M.HIDDEN}, M.HIDDEN: set()},
)


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(str(m) for m in enum)
