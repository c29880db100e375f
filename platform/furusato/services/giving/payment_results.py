"""Applying the gateway's answer about a charge to its donation, from any path (the pay call,
the webhook, the reconciliation sweep).

Each function runs inside the caller's unit of work, with the donation's row locked, and is
idempotent. It reads nothing through the ORM and writes with statements built once: the caller
hands it the few columns it decides on (`Recording`, `AttemptState`), read with the lock. A PaymentIntent is this donation's only if its amount and currency are the
donation's: otherwise nothing of it is stored (not even its id) and staff see it in the audit
log. Money is recorded once, at the time the gateway says the charge succeeded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, text, update
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.domain.finality import (
    earlier_donations_become_final,
    final_on_payment,
    target_reached,
)
from furusato.domain.money import basis_points, tax_year, utcnow
from furusato.domain.states import ATTEMPT, DONATION, AttemptStatus, DonationStatus
from furusato.models import Donation, PaymentAttempt
from furusato.payments import ChargeResult
from furusato.services import audit
from furusato.services.fulfilment import onestop
from furusato.services.giving import donation_mail, reservations
from furusato.services.giving.donation_views import VIEW_COLUMNS, DonationView
from furusato.services.uow import UnitOfWork

log = logging.getLogger(__name__)

CURRENCY = "jpy"  # every donation is in whole yen (a zero-decimal currency at the gateway)

_DONATIONS = cast(Table, Donation.__table__)
_ATTEMPTS = cast(Table, PaymentAttempt.__table__)


@dataclass
class Recording:
    """What recording an answer reads of the donation (its row locked by the caller); a late
    payment may take the gift away (`gift`, `tier_id`)."""

    id: int
    status: str
    amount_yen: int
    project_id: int
    tier_id: int | None
    gift: bool
    email: str
    onestop_requested: bool

    @classmethod
    def of(cls, donation: Donation) -> Recording:
        return cls(
            donation.id,
            donation.status,
            donation.amount_yen,
            donation.project_id,
            donation.tier_id,
            donation.gift,
            donation.email,
            donation.onestop_requested,
        )


RECORDING_COLUMNS = tuple(
    _DONATIONS.c[name]
    for name in (
        "id",
        "status",
        "amount_yen",
        "project_id",
        "tier_id",
        "gift",
        "email",
        "onestop_requested",
    )
)


@dataclass(frozen=True)
class AttemptState:
    id: int
    status: str

    @classmethod
    def of(cls, attempt: PaymentAttempt | None) -> AttemptState | None:
        return cls(attempt.id, attempt.status) if attempt is not None else None


# One attempt's move: its status, and each other column only where a value is given.
_MOVE_ATTEMPT = (
    update(_ATTEMPTS)
    .where(_ATTEMPTS.c.id == bindparam("attempt_id"))
    .values(
        status=bindparam("new_status"),
        gateway_object_id=func.coalesce(bindparam("object_id"), _ATTEMPTS.c.gateway_object_id),
        client_secret=func.coalesce(bindparam("secret"), _ATTEMPTS.c.client_secret),
        error_code=func.coalesce(bindparam("code"), _ATTEMPTS.c.error_code),
        error_message=func.coalesce(bindparam("message"), _ATTEMPTS.c.error_message),
    )
)


def apply_result(
    uow: UnitOfWork,
    donation: Recording,
    attempt: AttemptState | None,
    result: ChargeResult,
    miss_policy: str | None = None,
) -> DonationView | None:
    """Move the attempt (and, on success, the donation) to what the gateway says; the donation
    as recorded if this recorded its payment. The caller holds the donation's row lock;
    applying the same answer twice changes nothing. A PaymentIntent for another amount or
    currency is refused before its id is written anywhere."""
    moved: dict[str, Any] = {"object_id": None, "secret": None, "code": None, "message": None}
    if result.payment_intent_id:
        if not _for_this_donation(uow, donation, result):
            return None
        moved["object_id"] = result.payment_intent_id
    status = attempt.status if attempt is not None else None
    if attempt is None or status is None:
        pass
    elif result.status == "succeeded":
        if status != AttemptStatus.SUCCEEDED:
            ATTEMPT.check(status, AttemptStatus.SUCCEEDED)
            status = AttemptStatus.SUCCEEDED
    elif result.status == "requires_action":
        if ATTEMPT.can(status, AttemptStatus.REQUIRES_ACTION):
            status = AttemptStatus.REQUIRES_ACTION
            moved["secret"] = result.client_secret
    elif result.status in ("failed", "canceled"):
        if ATTEMPT.can(status, AttemptStatus.FAILED):
            status = AttemptStatus.FAILED
            moved["code"] = (result.error_code or "card_declined")[:64]
            moved["message"] = result.error_message or ""
    # "processing": the gateway has not decided; the attempt stays live for reconciliation.
    if attempt is not None and (status != attempt.status or moved["object_id"]):
        uow.session.execute(
            _MOVE_ATTEMPT, {"attempt_id": attempt.id, "new_status": status, **moved}
        )
    if result.status == "succeeded":
        return complete_payment(uow, donation, result, miss_policy)
    return None


def _for_this_donation(uow: UnitOfWork, donation: Recording, result: ChargeResult) -> bool:
    """Whether a PaymentIntent is for exactly this donation's amount, in yen. We create every
    charge for the exact amount, so a difference means a forged or foreign payment: it is not
    recorded (no id stored, no money booked), and it is left for staff (audit log)."""
    if result.amount_yen == donation.amount_yen and result.currency == CURRENCY:
        return True
    log.error(
        "donation %s: gateway reports %s %s (%s, %s) for a %s-yen donation; not recorded",
        donation.id,
        result.amount_yen,
        result.currency,
        result.payment_intent_id,
        result.status,
        donation.amount_yen,
    )
    audit.record(
        uow.session,
        None,
        "payment.amount_mismatch",
        "donation",
        donation.id,
        after={
            "payment_intent_id": result.payment_intent_id,
            "status": result.status,
            "reported_amount_yen": result.amount_yen,
            "reported_currency": result.currency,
            "donation_amount_yen": donation.amount_yen,
        },
        note="決済の金額または通貨が寄附と一致しないため、記録していません。",
    )
    return False


# The payment recorded on the donation (a final_at or payment id already there is kept).
_PAID = (
    update(_DONATIONS)
    .where(_DONATIONS.c.id == bindparam("donation_id"))
    .values(
        status=DonationStatus.PAID,
        paid_at=bindparam("paid_at"),
        tax_year=bindparam("tax_year"),
        fee_yen=bindparam("fee_yen"),
        payment_intent_id=func.coalesce(
            bindparam("payment_intent_id"), _DONATIONS.c.payment_intent_id
        ),
        final_at=func.coalesce(bindparam("final_at"), _DONATIONS.c.final_at),
        gift=bindparam("gift"),
        tier_id=bindparam("tier_id"),
    )
    .returning(*VIEW_COLUMNS)
)
_FINAL = (
    update(_DONATIONS)
    .where(_DONATIONS.c.id == bindparam("donation_id"))
    .values(final_at=bindparam("final_at"))
)


def complete_payment(
    uow: UnitOfWork, donation: Recording, result: ChargeResult, miss_policy: str | None = None
) -> DonationView | None:
    """Record the money as received (once): paid_at and tax year from the gateway's time,
    the campaign's counters, the target, finality, the receipt tasks and the confirmation mail.
    Returns the donation as recorded; None if it was recorded before. `miss_policy` is the
    campaign's, if the caller read it with the donation.

    The campaign's row is the hot one (every payment of the campaign adds to its counters), so
    its update is the last statement before the commit: its lock is held for one round trip."""
    if donation.status in (DonationStatus.PAID, DonationStatus.REFUNDED):
        return None
    session = uow.session
    if donation.status == DonationStatus.EXPIRED:
        _reserve_again(session, donation)
    DONATION.check(donation.status, DonationStatus.PAID)
    now = utcnow()
    paid_at = result.paid_at or now
    # Fixed since approval, so read without a lock.
    policy = miss_policy or session.execute(_MISS_POLICY, {"id": donation.project_id}).scalar_one()
    final_at: datetime | None = None
    if final_on_payment(policy, target_reached_at_payment=False):  # final whatever the target
        final_at = now
    row = session.execute(
        _PAID,
        {
            "donation_id": donation.id,
            "paid_at": paid_at,
            "tax_year": tax_year(paid_at),
            "fee_yen": basis_points(donation.amount_yen, get_settings().city.payment_fee_bp),
            "payment_intent_id": result.payment_intent_id or None,
            "final_at": final_at,
            "gift": donation.gift,
            "tier_id": donation.tier_id,
        },
    ).one()
    donation.status = DonationStatus.PAID
    donation_mail.queue_confirmation(uow, donation.id, donation.email)
    if donation.onestop_requested:
        # The payment is the tax event: the application (and its form by mail) starts now,
        # whatever the campaign decides later (DOMAIN.md, the one-stop exception). Read afresh:
        # the row was written by the statement above.
        onestop.open_for_donation(
            uow, session.get_one(Donation, donation.id, populate_existing=True), publish=False
        )
    totals = reservations.add_paid(session, donation.project_id, donation.amount_yen)
    reached = target_reached(totals.paid_total_yen, totals.target_yen)
    # The row is locked: nobody else can be first to reach the target meanwhile.
    first_time = reached and totals.target_reached_at is None
    if first_time:
        reservations.mark_target_reached(session, donation.project_id, now)
    if final_at is None and final_on_payment(policy, reached):
        final_at = now
        session.execute(_FINAL, {"donation_id": donation.id, "final_at": now})
    if final_at is not None:
        uow.enqueue("furusato.issue_receipt", donation.id)
    if earlier_donations_become_final(policy, first_time):
        session.execute(
            text(
                "UPDATE donations SET final_at = :now WHERE project_id = :project"
                " AND status = 'paid' AND final_at IS NULL AND id <> :id"
            ),
            {"now": now, "project": donation.project_id, "id": donation.id},
        )
        uow.enqueue("furusato.issue_receipts_for_project", donation.project_id)
    return DonationView(*row)


_MISS_POLICY = text("SELECT miss_policy FROM projects WHERE id = :id")


def _reserve_again(session: Session, donation: Recording) -> None:
    """A late success on an expired donation: the money arrived, so take the reservation back
    without the campaign's status, deadline or cap conditions. The tier's stock and the cap
    are still guarded by CHECK constraints: if the last unit went to someone else meanwhile,
    the donation is kept (a gift to the city) without the gift, and the cap counter stops at
    the cap."""
    if donation.tier_id is not None and not reservations.take_unit(session, donation.tier_id):
        log.warning("late payment for donation %s: tier sold out, no gift", donation.id)
        donation.gift = False
        donation.tier_id = None
    reservations.take_room_back(session, donation.project_id, donation.amount_yen)
