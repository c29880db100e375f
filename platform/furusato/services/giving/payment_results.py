"""Applying the gateway's answer about a charge to its donation, from any path (the pay call,
the webhook, the reconciliation sweep).

Each function runs inside the caller's unit of work, with the donation's row locked, and is
idempotent. A PaymentIntent is this donation's only if its amount and currency are the
donation's: otherwise nothing of it is stored (not even its id) and staff see it in the audit
log. Money is recorded once, at the time the gateway says the charge succeeded.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
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
from furusato.services.uow import UnitOfWork

log = logging.getLogger(__name__)

CURRENCY = "jpy"  # every donation is in whole yen (a zero-decimal currency at the gateway)


def apply_result(
    uow: UnitOfWork,
    donation: Donation,
    attempt: PaymentAttempt | None,
    result: ChargeResult,
) -> None:
    """Move the attempt (and, on success, the donation) to what the gateway says. The caller
    holds the donation's row lock; applying the same answer twice changes nothing. A
    PaymentIntent for another amount or currency is refused before its id is written anywhere."""
    if result.payment_intent_id:
        if not _for_this_donation(uow, donation, result):
            return
        if attempt is not None:
            attempt.gateway_object_id = result.payment_intent_id
    if result.status == "succeeded":
        if attempt is not None and attempt.status != AttemptStatus.SUCCEEDED:
            ATTEMPT.check(attempt.status, AttemptStatus.SUCCEEDED)
            attempt.status = AttemptStatus.SUCCEEDED
        complete_payment(uow, donation, result)
    elif result.status == "requires_action":
        if attempt is not None and ATTEMPT.can(attempt.status, AttemptStatus.REQUIRES_ACTION):
            attempt.status = AttemptStatus.REQUIRES_ACTION
            attempt.client_secret = result.client_secret
    elif result.status in ("failed", "canceled"):
        if attempt is not None and ATTEMPT.can(attempt.status, AttemptStatus.FAILED):
            attempt.status = AttemptStatus.FAILED
            attempt.error_code = (result.error_code or "card_declined")[:64]
            attempt.error_message = result.error_message or ""
    # "processing": the gateway has not decided; the attempt stays live for reconciliation.
    uow.flush()


def _for_this_donation(uow: UnitOfWork, donation: Donation, result: ChargeResult) -> bool:
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


def complete_payment(uow: UnitOfWork, donation: Donation, result: ChargeResult) -> bool:
    """Record the money as received (once): paid_at and tax year from the gateway's time,
    the campaign's counters, the target, finality, the receipt tasks and the confirmation mail.

    The campaign's row is the hot one (every payment of the campaign adds to its counters), so
    its update is the last statement before the commit: its lock is held for one round trip."""
    if donation.status in (DonationStatus.PAID, DonationStatus.REFUNDED):
        return False
    session = uow.session
    if donation.status == DonationStatus.EXPIRED:
        _reserve_again(session, donation)
    DONATION.check(donation.status, DonationStatus.PAID)
    now = utcnow()
    paid_at = result.paid_at or now
    donation.status = DonationStatus.PAID
    donation.paid_at = paid_at
    donation.tax_year = tax_year(paid_at)
    donation.fee_yen = basis_points(donation.amount_yen, get_settings().city.payment_fee_bp)
    if result.payment_intent_id:
        donation.payment_intent_id = result.payment_intent_id
    # Fixed since approval, so read without a lock.
    policy = session.execute(_MISS_POLICY, {"id": donation.project_id}).scalar_one()
    if final_on_payment(policy, target_reached_at_payment=False):  # final whatever the target
        donation.final_at = now
    donation_mail.queue_confirmation(uow, donation)
    if donation.onestop_requested:
        # The payment is the tax event: the application (and its form by mail) starts now,
        # whatever the campaign decides later (DOMAIN.md, the one-stop exception).
        onestop.open_for_donation(uow, donation)
    session.flush()
    totals = reservations.add_paid(session, donation.project_id, donation.amount_yen)
    reached = target_reached(totals.paid_total_yen, totals.target_yen)
    # The row is locked: nobody else can be first to reach the target meanwhile.
    first_time = reached and totals.target_reached_at is None
    if first_time:
        reservations.mark_target_reached(session, donation.project_id, now)
    if donation.final_at is None and final_on_payment(policy, reached):
        donation.final_at = now
    if donation.final_at is not None:
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
    session.flush()
    return True


_MISS_POLICY = text("SELECT miss_policy FROM projects WHERE id = :id")


def _reserve_again(session: Session, donation: Donation) -> None:
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
