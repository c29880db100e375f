"""Paying a pledged donation, and recording what the gateway answered (from any path).

`pay` writes the PaymentAttempt row first and commits it, then calls the gateway with the
attempt's key, then records the answer: one live charge per donation is guaranteed by our
database (the partial unique index), so a double click finds the existing attempt and returns
its state instead of charging again. An attempt whose answer was lost (`unknown`) is never
followed by another charge until reconciliation (services/reconcile.py) has settled it.

`apply_result` and `complete_payment` are shared by the pay call, the webhook and the
reconciliation sweep; each is idempotent and runs inside the caller's unit of work.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, Table, bindparam, case, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from furusato.config import get_settings
from furusato.domain.finality import (
    earlier_donations_become_final,
    final_on_payment,
    target_reached,
)
from furusato.domain.money import basis_points, tax_year, utcnow
from furusato.domain.states import ATTEMPT, DONATION, AttemptKind, AttemptStatus, DonationStatus
from furusato.models import Donation, PaymentAttempt, Project
from furusato.payments import ChargeResult, GatewayUnavailable, get_gateway
from furusato.services import audit, donation_mail
from furusato.services.donations import TAKE_UNIT, DonationView
from furusato.services.errors import N_, Conflict, NotFound
from furusato.services.uow import UnitOfWork

log = logging.getLogger(__name__)

LIVE = (AttemptStatus.STARTED, AttemptStatus.UNKNOWN, AttemptStatus.REQUIRES_ACTION)
CURRENCY = "jpy"  # every donation is in whole yen (a zero-decimal currency at the gateway)

_DECLINES = {
    "card_declined": N_(
        "カードが承認されませんでした。別のカードをお試しいただくか、カード会社にお問い合わせください。"
    ),
    "insufficient_funds": N_("カードのご利用可能額が不足しています。別のカードをお試しください。"),
    "expired_card": N_("カードの有効期限が切れています。別のカードをお試しください。"),
    "incorrect_cvc": N_(
        "セキュリティコードが正しくありません。ご確認のうえ、もう一度お試しください。"
    ),
    "incorrect_number": N_("カード番号が正しくありません。ご確認のうえ、もう一度お試しください。"),
    "payment_intent_authentication_failure": N_(
        "本人認証（3Dセキュア）が完了しませんでした。もう一度お試しいただくか、別のカードをお使いください。"
    ),
}
DEFAULT_DECLINE = _DECLINES["card_declined"]
CHECKING = N_(
    "決済の結果を確認しています。このままお待ちください（二重に請求されることはありません）。"
)
EXPIRED = N_("お申し込みの有効期限が切れました。お手数ですが、もう一度お申し込みください。")


def decline_message(code: str) -> str:
    return _DECLINES.get(code, DEFAULT_DECLINE)


@dataclass(frozen=True)
class PayOutcome:
    """Where a donation's payment stands, for the page and the API."""

    donation_id: int
    status: str  # paid | requires_action | processing | failed | pending | expired | refunded
    client_secret: str | None = None
    message: str = ""
    tax_year: int | None = None
    paid_at: datetime | None = None
    # The SetupIntent the browser confirms for the next card (renewed after a decline).
    setup_secret: str | None = None
    # The donation as recorded, when the call that answers had it at hand.
    donation: DonationView | None = None


def _live_attempt(session: Session, donation_id: int) -> PaymentAttempt | None:
    return session.scalar(
        select(PaymentAttempt).where(
            PaymentAttempt.donation_id == donation_id,
            PaymentAttempt.kind == AttemptKind.CHARGE,
            PaymentAttempt.status != AttemptStatus.FAILED,
        )
    )


def _outcome(donation: Donation, attempt: PaymentAttempt | None) -> PayOutcome:
    def said(status: str, message: str = "", client_secret: str | None = None) -> PayOutcome:
        return PayOutcome(
            donation_id=donation.id,
            status=status,
            client_secret=client_secret,
            message=message,
            tax_year=donation.tax_year,
            paid_at=donation.paid_at,
            setup_secret=donation.setup_intent_client_secret,
        )

    if donation.status in (DonationStatus.PAID, DonationStatus.REFUNDED):
        return said(donation.status)
    if attempt is not None and attempt.status == AttemptStatus.REQUIRES_ACTION:
        return said("requires_action", client_secret=attempt.client_secret)
    if attempt is not None:
        return said("processing", CHECKING)
    if donation.status == DonationStatus.EXPIRED:
        return said("expired", EXPIRED)
    charges = [a for a in donation.attempts if a.kind == AttemptKind.CHARGE]
    if charges:  # every charge so far failed: the donor may try another card
        return said("failed", decline_message(charges[-1].error_code))
    return said("pending")


def state_of(donation_id: int) -> PayOutcome:
    with UnitOfWork() as uow:
        donation = uow.session.get(Donation, donation_id)
        if donation is None:
            raise NotFound("寄附が見つかりません。")
        return _outcome(donation, _live_attempt(uow.session, donation_id))


_ATTEMPTS = PaymentAttempt.__table__
_DONATIONS = Donation.__table__
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


# The donation's row, locked, with its charge attempts so far and how many are live: one
# statement (the partial unique index allows one live charge at most). Table columns, not
# ORM attributes: the statement then skips the ORM's compile and load steps.
_FOR_PAYING = (
    select(
        _DONATIONS.c.status,
        _DONATIONS.c.reserved_until,
        _DONATIONS.c.stripe_customer_id,
        _DONATIONS.c.amount_yen,
        _DONATIONS.c.access_token,
        _DONATIONS.c.user_id,
        _charge_attempts().label("tried"),
        _charge_attempts(_ATTEMPTS.c.status != AttemptStatus.FAILED).label("live"),
    )
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
            return state_of(donation_id)  # paid, expired, or a charge already under way
        if donation.reserved_until < utcnow():
            raise Conflict(EXPIRED, code="expired")
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
            return state_of(donation_id)
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
        return state_of(donation_id)
    except Exception:
        _mark_unknown(attempt_id)  # outcome unknown: reconcile before any new charge
        raise
    outcome = record(donation_id, attempt_id, result)
    if outcome.status != "failed":
        return outcome
    _renew_card_setup(donation_id, key)
    return state_of(donation_id)


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


# The donation (locked) and the attempt, if it is this donation's: one statement, built once.
_FOR_RECORDING = (
    select(Donation, PaymentAttempt)
    .outerjoin(
        PaymentAttempt,
        (PaymentAttempt.id == bindparam("attempt_id"))
        & (PaymentAttempt.donation_id == Donation.id),
    )
    .where(Donation.id == bindparam("donation_id"))
    .with_for_update(of=Donation)
)


def record(donation_id: int, attempt_id: int | None, result: ChargeResult) -> PayOutcome:
    """Record the gateway's answer for an attempt in its own unit of work."""
    with UnitOfWork() as uow:
        found = uow.session.execute(
            _FOR_RECORDING, {"donation_id": donation_id, "attempt_id": attempt_id}
        ).one_or_none()
        if found is None:
            raise NotFound("寄附が見つかりません。")
        donation, attempt = found
        apply_result(uow, donation, attempt, result)
        uow.commit()
        if attempt is not None and attempt.status != AttemptStatus.FAILED:
            live: PaymentAttempt | None = attempt  # the one live charge (unique index)
        else:
            live = _live_attempt(uow.session, donation_id)
        return replace(_outcome(donation, live), donation=DonationView.of(donation))


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
    session.flush()
    totals = session.execute(
        _ADD_PAID, {"id": donation.project_id, "amount": donation.amount_yen}
    ).one()
    reached = target_reached(totals.paid_total_yen, totals.target_yen)
    # The row is locked: nobody else can be first to reach the target meanwhile.
    first_time = reached and totals.target_reached_at is None
    if first_time:
        session.execute(_TARGET_REACHED, {"id": donation.project_id, "now": now})
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
_ADD_PAID = text(
    "UPDATE projects SET paid_total_yen = paid_total_yen + :amount,"
    " paid_count = paid_count + 1 WHERE id = :id"
    " RETURNING paid_total_yen, target_yen, target_reached_at"
)
_TARGET_REACHED = text(
    "UPDATE projects SET target_reached_at = :now WHERE id = :id AND target_reached_at IS NULL"
)


def _reserve_again(session: Session, donation: Donation) -> None:
    """A late success on an expired donation: the money arrived, so take the reservation back
    without the campaign's status, deadline or cap conditions. The tier's stock and the cap
    are still guarded by CHECK constraints: if the last unit went to someone else meanwhile,
    the donation is kept (a gift to the city) without the gift, and the cap counter stops at
    the cap."""
    if donation.tier_id is not None:
        taken = session.execute(TAKE_UNIT, {"id": donation.tier_id})
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            log.warning("late payment for donation %s: tier sold out, no gift", donation.id)
            donation.gift = False
            donation.tier_id = None
    session.execute(
        _TAKE_ROOM_BACK, {"project_id": donation.project_id, "amount": donation.amount_yen}
    )


# The amount back into the campaign's reserved total, stopping at the cap (or where the total
# already is, if above it): LEAST/GREATEST exist in PostgreSQL only, CASE in both databases.
_PROJECTS = cast(Table, Project.__table__)
_RESERVED, _CAP = _PROJECTS.c.reserved_total_yen, _PROJECTS.c.cap_yen
_AMOUNT = bindparam("amount", type_=Integer)
_TAKE_ROOM_BACK = (
    update(_PROJECTS)
    .where(_PROJECTS.c.id == bindparam("project_id"))
    .values(
        reserved_total_yen=case(
            (_RESERVED + _AMOUNT <= _CAP, _RESERVED + _AMOUNT),
            (_RESERVED >= _CAP, _RESERVED),
            else_=_CAP,
        )
    )
)
