"""Bringing pending donations in line with the gateway, and releasing lapsed reservations.

A lost webhook or a charge call whose answer never came leaves a donation `pending_payment`
with a live attempt (started, unknown, requires_action). `check` asks the gateway what became of
it (by PaymentIntent id, or among the customer's PaymentIntents by our attempt key when the id
was never recorded) and applies the answer. `expire` releases the stock and cap room of a
donation whose reservation lapsed with no successful charge, with a conditional UPDATE so a
concurrent payment or a second sweep finds nothing to do.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from furusato.domain.money import utcnow
from furusato.domain.states import AttemptKind, DonationStatus
from furusato.models import Donation, PaymentAttempt
from furusato.payments import ChargeResult, GatewayUnavailable, PaymentNotFound, get_gateway
from furusato.services import per_item
from furusato.services.giving import charges, donation_views, reservations
from furusato.services.giving.donation_views import PayOutcome
from furusato.services.uow import UnitOfWork

log = logging.getLogger(__name__)

# A started attempt younger than this may still be waiting for its answer in another request.
IN_FLIGHT = timedelta(minutes=2)
LIVE = tuple(str(s) for s in charges.LIVE)


def due_for_check(limit: int = 200) -> list[int]:
    """Pending donations with a charge whose outcome we do not know yet."""
    with UnitOfWork() as uow:
        return list(
            uow.session.scalars(
                select(Donation.id)
                .join(PaymentAttempt, PaymentAttempt.donation_id == Donation.id)
                .where(
                    Donation.status == DonationStatus.PENDING_PAYMENT,
                    PaymentAttempt.kind == AttemptKind.CHARGE,
                    PaymentAttempt.status.in_(LIVE),
                )
                .order_by(Donation.id)
                .limit(limit)
            )
        )


def due_for_expiry(limit: int = 200) -> list[int]:
    with UnitOfWork() as uow:
        return list(
            uow.session.scalars(
                select(Donation.id)
                .where(
                    Donation.status == DonationStatus.PENDING_PAYMENT,
                    Donation.reserved_until < utcnow(),
                )
                .order_by(Donation.reserved_until)
                .limit(limit)
            )
        )


def check(donation_id: int) -> str:
    """Ask the gateway about the donation's live charge and record the answer.

    Returns what happened: nothing | unreachable | waiting | not_found | <gateway status>.
    A stored PaymentIntent id the gateway does not know raises PaymentNotFound and changes
    nothing: the attempt stays as it is for staff (a wrong account or a forged id)."""
    with UnitOfWork() as uow:
        attempt = uow.session.scalar(
            select(PaymentAttempt).where(
                PaymentAttempt.donation_id == donation_id,
                PaymentAttempt.kind == AttemptKind.CHARGE,
                PaymentAttempt.status.in_(LIVE),
            )
        )
        donation = uow.session.get(Donation, donation_id)
        if attempt is None or donation is None:
            return "nothing"
        attempt_id, key, intent_id = attempt.id, attempt.key, attempt.gateway_object_id
        started, customer = attempt.created_at, donation.stripe_customer_id
    gateway = get_gateway()
    try:
        if intent_id:
            found = [gateway.payment_intent(intent_id)]
        else:
            found = gateway.charges_for_attempt(key, customer)
    except GatewayUnavailable:
        log.warning("reconcile: gateway unreachable for donation %s", donation_id)
        return "unreachable"
    result = _best(found)
    if result is None:
        if utcnow() - started < IN_FLIGHT:
            return "waiting"
        # The gateway never saw this charge: it did not happen, the donor may pay again.
        result = ChargeResult(
            status="failed",
            payment_intent_id=None,
            error_code="not_found",
            error_message="the gateway has no payment for this attempt",
        )
    charges.record(donation_id, attempt_id, result)
    return "not_found" if result.error_code == "not_found" else result.status


def refresh(access_token: str) -> PayOutcome:
    """Where the donation of a payment page's link stands, asking the gateway first while a
    charge is in flight (the page polls this). A charge the gateway does not know is left for
    staff, as the sweep leaves it: the donor keeps seeing "checking", never an error."""
    donation_id = donation_views.id_for_token(access_token)
    state = donation_views.state_of(donation_id)
    if state.status not in ("processing", "requires_action"):
        return state
    try:
        check(donation_id)
    except PaymentNotFound:
        log.warning("reconcile: the gateway does not know the charge of donation %s", donation_id)
    return donation_views.state_of(donation_id)


def _best(results: list[ChargeResult]) -> ChargeResult | None:
    for wanted in ("succeeded", "requires_action", "processing"):
        for result in results:
            if result.status == wanted:
                return result
    return results[-1] if results else None


def expire(donation_id: int) -> bool:
    """Expire a lapsed pending donation and release its reservation (once)."""
    with UnitOfWork() as uow:
        expired = reservations.release_lapsed(uow.session, utcnow(), donation_id=donation_id)
        uow.commit()
        return bool(expired)


def sweep() -> dict[str, int]:
    """The beat's minute: settle unknown charges, then expire lapsed reservations. Each
    donation on its own (services/per_item.py): one the gateway cannot answer for (a stored
    PaymentIntent id it does not know) is logged and counted, and the others go on."""
    checked = per_item.each("reconcile: check", due_for_check(), check)
    expired = per_item.each(
        "reconcile: expire",
        due_for_expiry(),
        lambda donation_id: "expired" if expire(donation_id) else "not_due",
    )
    return {
        "checked": checked.done,
        "expired": expired.outcomes["expired"],
        "failed": checked.failed + expired.failed,
    }
