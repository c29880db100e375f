"""Paying a pledged donation (where its payment stands is read in donation_views.py).

`pay` writes the PaymentAttempt row first and commits it, then calls the gateway with the
attempt's key, then records the answer: one live charge per donation is guaranteed by our
database (the partial unique index), so a double click finds the existing attempt and returns
its state instead of charging again. An attempt whose answer was lost (`unknown`) is never
followed by another charge until reconciliation (services/giving/reconcile.py) has settled it.

`record` applies the gateway's answer (services/giving/payment_results.py, shared with the webhook)
in a unit of work of its own; the pay call and the reconciliation sweep use it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from furusato.domain.campaign import PAYMENTS_PAUSED, takes_payments
from furusato.domain.money import utcnow
from furusato.domain.states import AttemptKind, AttemptStatus, DonationStatus
from furusato.models import Donation, PaymentAttempt, Project
from furusato.payments import ChargeResult, GatewayUnavailable, get_gateway
from furusato.services.errors import N_, Conflict, NotFound, ServiceError
from furusato.services.giving import donation_views, payment_results
from furusato.services.giving.donation_views import PayOutcome
from furusato.services.uow import UnitOfWork

log = logging.getLogger(__name__)

LIVE = (AttemptStatus.STARTED, AttemptStatus.UNKNOWN, AttemptStatus.REQUIRES_ACTION)


class CardUnreadable(ServiceError):
    """The payment page posted something other than a PaymentMethod id: nothing to charge."""

    status = 422
    code = "card_unreadable"


_ATTEMPTS = PaymentAttempt.__table__
_DONATIONS = Donation.__table__
_PROJECTS = Project.__table__
_NEW_ATTEMPT = insert(cast(Table, _ATTEMPTS)).returning(_ATTEMPTS.c.id)


def _charge_attempts(*where: Any) -> Any:
    return (
        select(func.count())
        .where(
            _ATTEMPTS.c.donation_id == _DONATIONS.c.id,
            _ATTEMPTS.c.kind == AttemptKind.CHARGE,
            *where,
        )
        .scalar_subquery()
    )


# The donation's row, locked, with its charge attempts so far and how many are live, and
# whether its campaign takes payments: one statement (the partial unique index allows one live
# charge at most). Table columns, not ORM attributes: the statement then skips the ORM's
# compile and load steps. The campaign's row is not locked (every payment of the campaign
# updates it): a pause committed while this runs counts as coming after the charge started.
_FOR_PAYING = (
    select(
        _DONATIONS.c.status,
        _DONATIONS.c.reserved_until,
        _DONATIONS.c.stripe_customer_id,
        _DONATIONS.c.amount_yen,
        _DONATIONS.c.access_token,
        _DONATIONS.c.user_id,
        _PROJECTS.c.status.label("campaign_status"),
        _PROJECTS.c.paused_reason,
        _charge_attempts().label("tried"),
        _charge_attempts(_ATTEMPTS.c.status != AttemptStatus.FAILED).label("live"),
    )
    .join(_PROJECTS, _PROJECTS.c.id == _DONATIONS.c.project_id)
    .where(_DONATIONS.c.id == bindparam("donation_id"))
    .with_for_update(of=_DONATIONS)
)


@dataclass(frozen=True)
class Payer:
    """Who asks to pay over the API: a guest with the donation's secret token, or a donor."""

    access_token: str = ""
    user_id: int | None = None

    def owns(self, access_token: str, user_id: int | None) -> bool:
        if self.access_token and secrets.compare_digest(self.access_token, access_token):
            return True
        return self.user_id is not None and self.user_id == user_id


def pay_by_token(access_token: str, payment_method_id: str) -> PayOutcome:
    """Pay from the payment page, which knows the donation by its link's secret token:
    NotFound for any other token, then CardUnreadable for anything but a PaymentMethod id."""
    donation_id = donation_views.id_for_token(access_token)
    if not payment_method_id.startswith("pm_") or len(payment_method_id) > 64:
        raise CardUnreadable(N_("カード情報を確認できませんでした。"))
    return pay(donation_id, payment_method_id)


def pay(donation_id: int, payment_method_id: str, payer: Payer | None = None) -> PayOutcome:
    """Charge the donation once with the saved card (see the module docstring). With a
    `payer`, someone else's donation is NotFound (no existence leak)."""
    with UnitOfWork() as uow:
        session = uow.session
        donation = session.execute(_FOR_PAYING, {"donation_id": donation_id}).one_or_none()
        if donation is None or (
            payer is not None and not payer.owns(donation.access_token, donation.user_id)
        ):
            raise NotFound("寄附が見つかりません。")
        if donation.status != DonationStatus.PENDING_PAYMENT or donation.live:
            uow.session.rollback()
            return donation_views.state_of(
                donation_id
            )  # paid, expired, or a charge already under way
        if donation.reserved_until < utcnow():
            raise Conflict(donation_views.EXPIRED, code="expired")
        if not takes_payments(donation.campaign_status, donation.paused_reason):
            raise Conflict(PAYMENTS_PAUSED, code="campaign_paused")  # the reservation stays
        customer = donation.stripe_customer_id  # None: a card the client brought (no setup)
        key = f"donation:{donation_id}:charge:{donation.tried + 1}"
        amount = donation.amount_yen
        try:
            attempt_id = session.execute(
                _NEW_ATTEMPT,
                {
                    "donation_id": donation_id,
                    "kind": AttemptKind.CHARGE,
                    "key": key,
                    "status": AttemptStatus.STARTED,
                    "amount_yen": amount,
                    "payment_method_id": payment_method_id[:64],
                },
            ).scalar_one()
            uow.commit()
        except IntegrityError:  # a concurrent click won: report its attempt
            uow.session.rollback()
            return donation_views.state_of(donation_id)
    try:
        result = get_gateway().charge(
            amount_yen=amount,
            customer_id=customer,
            payment_method_id=payment_method_id,
            idempotency_key=key,
            metadata={"donation_id": str(donation_id), "attempt": key},
        )
    except GatewayUnavailable:
        _mark_unknown(attempt_id)
        return donation_views.state_of(donation_id)
    except Exception:
        _mark_unknown(attempt_id)  # outcome unknown: reconcile before any new charge
        raise
    outcome = record(donation_id, attempt_id, result)
    if outcome.status != "failed":
        return outcome
    _renew_card_setup(donation_id, key)
    return donation_views.state_of(donation_id)


def _renew_card_setup(donation_id: int, after_key: str) -> None:
    """A confirmed SetupIntent cannot be confirmed again on Stripe: after a decline the donor's
    next card needs a fresh one. The gateway call is made outside any transaction; a failure
    here leaves the old one, and the page asks the donor to reload."""
    with UnitOfWork() as uow:
        donation = uow.session.get(Donation, donation_id)
        if donation is None or not donation.stripe_customer_id:
            return
        customer, old = donation.stripe_customer_id, donation.setup_intent_id
    try:
        info = get_gateway().new_setup_intent(
            customer_id=customer,
            idempotency_key=f"{after_key}:renew-setup",
            metadata={"donation_id": str(donation_id)},
        )
    except GatewayUnavailable:
        log.warning("donation %s: could not renew the card setup after a decline", donation_id)
        return
    with UnitOfWork() as uow:
        uow.session.execute(
            update(Donation)
            .where(Donation.id == donation_id, Donation.setup_intent_id == old)
            .values(
                setup_intent_id=info.setup_intent_id, setup_intent_client_secret=info.client_secret
            )
        )
        uow.commit()


def _mark_unknown(attempt_id: int) -> None:
    with UnitOfWork() as uow:
        attempt = uow.session.get(PaymentAttempt, attempt_id, with_for_update=True)
        if attempt is not None and attempt.status == AttemptStatus.STARTED:
            attempt.status = AttemptStatus.UNKNOWN
            uow.commit()


# The donation's columns recording needs (locked) and the attempt's state, if it is this
# donation's: one statement, built once, with no ORM load.
_FOR_RECORDING = (
    select(
        *payment_results.RECORDING_COLUMNS,
        _ATTEMPTS.c.id.label("attempt_id"),
        _ATTEMPTS.c.status.label("attempt_status"),
        _PROJECTS.c.miss_policy,  # fixed since approval: read without the campaign's lock
    )
    .select_from(_DONATIONS)
    .join(_PROJECTS, _PROJECTS.c.id == _DONATIONS.c.project_id)
    .outerjoin(
        _ATTEMPTS,
        (_ATTEMPTS.c.id == bindparam("attempt_id")) & (_ATTEMPTS.c.donation_id == _DONATIONS.c.id),
    )
    .where(_DONATIONS.c.id == bindparam("donation_id"))
    .with_for_update(of=_DONATIONS)
)


def record(donation_id: int, attempt_id: int | None, result: ChargeResult) -> PayOutcome:
    """Record the gateway's answer for an attempt in its own unit of work."""
    with UnitOfWork() as uow:
        found = uow.session.execute(
            _FOR_RECORDING, {"donation_id": donation_id, "attempt_id": attempt_id}
        ).one_or_none()
        if found is None:
            raise NotFound("寄附が見つかりません。")
        donation = payment_results.Recording(*found[: len(payment_results.RECORDING_COLUMNS)])
        attempt = (
            payment_results.AttemptState(found.attempt_id, found.attempt_status)
            if found.attempt_id is not None
            else None
        )
        paid = payment_results.apply_result(uow, donation, attempt, result, found.miss_policy)
        uow.commit()
    if paid is None:  # not paid by this answer: where the payment stands now
        return donation_views.state_of(donation_id)
    return PayOutcome(
        donation_id=donation_id,
        status=paid.status,
        tax_year=paid.tax_year,
        paid_at=paid.paid_at,
        setup_secret=paid.setup_intent_client_secret,
        donation=paid,
    )
