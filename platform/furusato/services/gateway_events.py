"""Verified gateway events: de-duplicated by event id, applied with the change they cause.

The WebhookEvent row is inserted in the same transaction as the donation's change, so an event
delivered twice (or by two concurrent deliveries) is applied once; the second is acknowledged
and ignored. Events about payments we do not know are refused and change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from furusato.models import Donation, PaymentAttempt, WebhookEvent
from furusato.payments import ChargeResult, GatewayUnavailable, get_gateway
from furusato.services import charges
from furusato.services.errors import N_, ServiceError
from furusato.services.uow import UnitOfWork

HANDLED = ("payment_intent.succeeded", "payment_intent.payment_failed")


class UnknownPayment(ServiceError):
    status = 422
    code = "unknown_payment"


@dataclass(frozen=True)
class Handled:
    outcome: str  # applied | duplicate | ignored


def _paid_at(obj: dict[str, Any]) -> datetime | None:
    """The charge's time, from the expanded latest_charge (localstripe) or the charges list."""
    charge = obj.get("latest_charge")
    if not isinstance(charge, dict):
        listed = (obj.get("charges") or {}).get("data") or []
        charge = listed[-1] if listed else None
    if isinstance(charge, dict) and charge.get("created"):
        return datetime.fromtimestamp(int(charge["created"]), UTC)
    return None


def _result(event_type: str, obj: dict[str, Any]) -> ChargeResult:
    if event_type == "payment_intent.succeeded":
        paid_at = _paid_at(obj)
        if paid_at is None:  # Stripe sends latest_charge as an id: ask the gateway for it
            try:
                return get_gateway().payment_intent(str(obj["id"]))
            except GatewayUnavailable:
                paid_at = None
        return ChargeResult(
            status="succeeded",
            payment_intent_id=str(obj["id"]),
            client_secret=obj.get("client_secret"),
            paid_at=paid_at,
            amount_yen=obj.get("amount"),
        )
    error = obj.get("last_payment_error") or {}
    return ChargeResult(
        status="failed",
        payment_intent_id=str(obj["id"]),
        error_code=str(error.get("code") or "card_declined"),
        error_message=str(error.get("message") or ""),
    )


def _donation_for(session: Session, obj: dict[str, Any]) -> Donation | None:
    donation = session.scalar(
        select(Donation).where(Donation.payment_intent_id == str(obj.get("id")))
    )
    if donation is not None:
        return donation
    raw_id = (obj.get("metadata") or {}).get("donation_id", "")
    if not str(raw_id).isdigit():
        return None
    donation = session.get(Donation, int(raw_id))
    if donation is None:
        return None
    # The metadata must agree with what we made for that donation: the customer we created,
    # or, for a card the client brought (charged without one), one of our attempt keys.
    if donation.stripe_customer_id:
        return donation if obj.get("customer") == donation.stripe_customer_id else None
    key = str((obj.get("metadata") or {}).get("attempt", ""))
    known = session.scalar(
        select(PaymentAttempt.id).where(
            PaymentAttempt.donation_id == donation.id, PaymentAttempt.key == key
        )
    )
    return donation if known is not None else None


def _attempt_for(
    session: Session, donation: Donation, obj: dict[str, Any]
) -> PaymentAttempt | None:
    attempt = session.scalar(
        select(PaymentAttempt).where(
            PaymentAttempt.donation_id == donation.id,
            PaymentAttempt.gateway_object_id == str(obj.get("id")),
        )
    )
    if attempt is not None:
        return attempt
    key = (obj.get("metadata") or {}).get("attempt")
    if key:
        return session.scalar(
            select(PaymentAttempt).where(
                PaymentAttempt.donation_id == donation.id, PaymentAttempt.key == str(key)
            )
        )
    return None


def handle(event: dict[str, Any]) -> Handled:
    """Apply one verified event (see the module docstring)."""
    event_type = str(event.get("type", ""))
    event_id = str(event.get("id", ""))
    if event_type not in HANDLED:
        return Handled("ignored")
    obj = (event.get("data") or {}).get("object") or {}
    if not event_id or not obj.get("id"):
        raise UnknownPayment("イベントの形式が正しくありません。")
    with UnitOfWork() as uow:
        if uow.session.get(WebhookEvent, event_id) is not None:
            return Handled("duplicate")
        donation = _donation_for(uow.session, obj)
        if donation is None:
            raise UnknownPayment(
                N_("この決済 %(id)s に対応する寄附はありません。", id=obj.get("id"))
            )
        donation_id = donation.id
    result = _result(event_type, obj)  # may ask the gateway: outside any transaction
    with UnitOfWork() as uow:
        uow.session.add(
            WebhookEvent(
                id=event_id,
                type=event_type,
                object_id=str(obj["id"]),
                payload=event,
                outcome=f"donation {donation_id}: {result.status}",
            )
        )
        try:
            uow.flush()  # a concurrent delivery of the same event waits here, then fails
        except IntegrityError:
            uow.session.rollback()
            return Handled("duplicate")
        donation = uow.session.get(Donation, donation_id, with_for_update=True)
        assert donation is not None
        attempt = _attempt_for(uow.session, donation, obj)
        charges.apply_result(uow, donation, attempt, result)
        uow.commit()
    return Handled("applied")
