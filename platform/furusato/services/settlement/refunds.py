"""Refunds of a missed `refund` campaign, one donation at a time and at most once each.

The PaymentAttempt row (key `donation:{id}:refund`, also Stripe's idempotency key) is written
and committed before the gateway is called, while the donation row stays locked
(`FOR NO KEY UPDATE SKIP LOCKED`: a second worker skips it). If a crash leaves the attempt
`started` or `unknown`, the next run asks the gateway how much is already refunded before
refunding, so a donation is never refunded twice. A definite refusal (card or invalid request)
marks the donation failed for staff; it is never retried blindly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from furusato.domain.money import utcnow
from furusato.domain.settlement import Account, donation_key, error_text, refund_attempt_key
from furusato.domain.states import AttemptKind, AttemptStatus, DonationStatus, SettlementState
from furusato.models import Donation, PaymentAttempt
from furusato.payments import GatewayUnavailable, get_gateway
from furusato.services import mail, mail_texts
from furusato.services.settlement import ledger
from furusato.services.uow import UnitOfWork

PENDING, DONE, FAILED = (str(s) for s in SettlementState)


@dataclass(frozen=True)
class _Attempt:
    id: int
    key: str
    status: str
    created: bool


def _refund_attempt(donation_id: int, amount_yen: int) -> _Attempt:
    """The live refund attempt of a donation, or a new one written and COMMITTED now (before
    any gateway call). After a definite refusal, a staff retry gets a numbered key."""
    with UnitOfWork() as uow:
        s = uow.session
        live = s.scalar(
            select(PaymentAttempt).where(
                PaymentAttempt.donation_id == donation_id,
                PaymentAttempt.kind == AttemptKind.REFUND,
                PaymentAttempt.status != AttemptStatus.FAILED,
            )
        )
        if live is not None:
            return _Attempt(live.id, live.key, live.status, created=False)
        refused = s.scalar(
            select(func.count(PaymentAttempt.id)).where(
                PaymentAttempt.donation_id == donation_id,
                PaymentAttempt.kind == AttemptKind.REFUND,
            )
        )
        attempt = PaymentAttempt(
            donation_id=donation_id,
            kind=AttemptKind.REFUND,
            key=refund_attempt_key(donation_id, refused or 0),
            status=AttemptStatus.STARTED,
            amount_yen=amount_yen,
        )
        s.add(attempt)
        uow.commit()
        return _Attempt(attempt.id, attempt.key, attempt.status, created=True)


def _set_attempt(attempt_id: int, status: str, **values: Any) -> None:
    with UnitOfWork() as uow:
        uow.session.execute(
            update(PaymentAttempt)
            .where(PaymentAttempt.id == attempt_id)
            .values(status=status, **values)
        )
        uow.commit()


def refund_one(project_id: int, donation_id: int) -> str:
    """Refund one donation of a missed `refund` campaign, at most once. Returns what happened."""
    with UnitOfWork() as uow:
        s = uow.session
        d = s.scalar(
            select(Donation)
            .where(
                Donation.id == donation_id,
                Donation.project_id == project_id,
                Donation.settlement_state == PENDING,
            )
            .with_for_update(skip_locked=True, key_share=True)
        )
        if d is None:
            return "skipped"  # done, failed, or another worker holds it right now
        if d.status != DonationStatus.PAID:
            d.settlement_state = DONE
            uow.commit()
            return "not_paid"
        if not d.payment_intent_id:
            _fail(d, "no_payment_intent", "")
            uow.commit()
            return "failed"
        attempt = _refund_attempt(d.id, d.amount_yen)
        refund_id: str | None = None
        if attempt.status != AttemptStatus.SUCCEEDED:
            gateway = get_gateway()
            already = 0
            if not attempt.created:  # a crash or timeout may have refunded it: ask first
                already = gateway.payment_intent(d.payment_intent_id).amount_refunded_yen
            if 0 < already < d.amount_yen:
                _set_attempt(attempt.id, AttemptStatus.FAILED, error_code="partial_refund")
                _fail(d, "partial_refund", f"refunded_yen={already} amount_yen={d.amount_yen}")
                uow.commit()
                return "failed"
            if already == 0:
                try:
                    result = gateway.refund(
                        payment_intent_id=d.payment_intent_id,
                        amount_yen=d.amount_yen,
                        idempotency_key=attempt.key,
                    )
                except GatewayUnavailable:
                    _set_attempt(attempt.id, AttemptStatus.UNKNOWN)
                    raise
                except Exception as exc:  # a definite refusal: never retried blindly
                    code = str(getattr(exc, "code", "") or "refund_refused")
                    _set_attempt(
                        attempt.id,
                        AttemptStatus.FAILED,
                        error_code=code[:64],
                        error_message=str(exc)[:2000],
                    )
                    _fail(d, code, str(exc))
                    uow.commit()
                    return "failed"
                if result.status == "failed":
                    _set_attempt(attempt.id, AttemptStatus.FAILED, error_code="refund_failed")
                    _fail(d, "refund_failed", f"refund_id={result.refund_id}")
                    uow.commit()
                    return "failed"
                refund_id = result.refund_id
        now = utcnow()
        values: dict[str, Any] = {"status": AttemptStatus.SUCCEEDED}
        if refund_id:
            values["gateway_object_id"] = refund_id
        s.execute(update(PaymentAttempt).where(PaymentAttempt.id == attempt.id).values(**values))
        d.status = DonationStatus.REFUNDED
        d.refunded_at = now
        d.settlement_state = DONE
        d.settlement_error = ""
        paid_at = d.paid_at or now
        entries = [ledger.received(project_id, d.id, d.amount_yen, paid_at)]
        if d.fee_yen:
            entries.append(ledger.fee(project_id, d.id, d.fee_yen, paid_at))
        entries.append(
            ledger.entry(
                key=donation_key(d.id, "refund"),
                project_id=project_id,
                donation_id=d.id,
                account=Account.REFUND,
                amount_yen=-d.amount_yen,
                at=now,
            )
        )
        ledger.book(s, entries)
        # Its one-stop application (if any) is withdrawn, and the number erased, by the
        # one-stop sweep (furusato.onestop_withdraw_refunded), which owns that rule.
        text = mail_texts.render("missed_refunded", donation=d, project=d.project)
        mail.queue(
            uow,
            key=donation_key(d.id, "refunded"),
            to=d.email,
            subject=text.subject,
            body=text.body,
        )
        uow.commit()
        return "refunded"


def _fail(d: Donation, code: str, detail: str) -> None:
    """Failed for staff: the code's meaning is a message the staff page shows in its own
    language (domain.settlement.FAILURE_REASONS); the stored detail is only values or the
    gateway's own text."""
    d.settlement_state = FAILED
    d.settlement_error = error_text(code, detail)
