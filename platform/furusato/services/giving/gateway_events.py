"""Verified gateway events: de-duplicated by event id, applied with the change they cause.

An event is a hint, never a record of money: it names a PaymentIntent, and what is recorded is
what the gateway answers about that PaymentIntent when asked (status, amount, currency, the
charge's time, the customer and metadata that tie it to a donation), whatever the payload or
the event's type says. While the gateway cannot be asked, the event is refused with a status
that makes Stripe send it again, and nothing is stored (the reconcile sweep heals meanwhile).

The WebhookEvent row is inserted in the same transaction as the donation's change, so an event
delivered twice (or by two concurrent deliveries) is applied once; the second is acknowledged
and ignored. Events about payments we do not know are refused and change nothing.

`receive` is the one entry point: the raw body and its signature, as the webhook got them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from furusato.models import Donation, PaymentAttempt, WebhookEvent
from furusato.payments import (
    ChargeResult,
    GatewayEvent,
    GatewayUnavailable,
    InvalidWebhook,
    PaymentNotFound,
    get_gateway,
)
from furusato.services.errors import N_, ServiceError
from furusato.services.giving import payment_results
from furusato.services.giving.donations import GatewayDown
from furusato.services.uow import UnitOfWork

HANDLED = ("payment_intent.succeeded", "payment_intent.payment_failed")
log = logging.getLogger(__name__)


class InvalidSignature(ServiceError):
    """The body is not signed by the gateway with our webhook secret: nothing of it is read."""

    status = 400
    code = "invalid_signature"


class UnknownPayment(ServiceError):
    status = 422
    code = "unknown_payment"


@dataclass(frozen=True)
class Handled:
    outcome: str  # applied | duplicate | ignored


def _donation_for(session: Session, intent: ChargeResult) -> Donation | None:
    """The donation the gateway's PaymentIntent belongs to: the one that recorded its id, or
    the one its metadata names if the customer we created (or one of our attempt keys, for a
    card the client brought) agrees."""
    donation = session.scalar(
        select(Donation).where(Donation.payment_intent_id == intent.payment_intent_id)
    )
    if donation is not None:
        return donation
    metadata = intent.metadata or {}
    raw_id = metadata.get("donation_id", "")
    if not str(raw_id).isdigit():
        return None
    donation = session.get(Donation, int(raw_id))
    if donation is None:
        return None
    if donation.stripe_customer_id:
        return donation if intent.customer_id == donation.stripe_customer_id else None
    known = session.scalar(
        select(PaymentAttempt.id).where(
            PaymentAttempt.donation_id == donation.id,
            PaymentAttempt.key == str(metadata.get("attempt", "")),
        )
    )
    return donation if known is not None else None


def _attempt_for(
    session: Session, donation: Donation, intent: ChargeResult
) -> PaymentAttempt | None:
    attempt = session.scalar(
        select(PaymentAttempt).where(
            PaymentAttempt.donation_id == donation.id,
            PaymentAttempt.gateway_object_id == intent.payment_intent_id,
        )
    )
    if attempt is not None:
        return attempt
    key = (intent.metadata or {}).get("attempt")
    if key:
        return session.scalar(
            select(PaymentAttempt).where(
                PaymentAttempt.donation_id == donation.id, PaymentAttempt.key == str(key)
            )
        )
    return None


def _unknown(intent_id: str) -> UnknownPayment:
    return UnknownPayment(N_("この決済 %(id)s に対応する寄附はありません。", id=intent_id))


def receive(payload: bytes, signature: str) -> Handled:
    """Verify a webhook's body against its signature, then apply the event it carries (see the
    module docstring). Refusals are ServiceErrors: InvalidSignature (400), UnknownPayment (422),
    GatewayDown (503: the gateway could not be asked, so the event is to be sent again)."""
    try:
        event = get_gateway().verify_webhook(payload, signature)
    except InvalidWebhook as exc:
        log.warning("webhook with an invalid signature refused")
        raise InvalidSignature(N_("署名を確認できませんでした。")) from exc
    try:
        return _apply(event)
    except ServiceError as exc:
        log.warning("webhook %s refused: %s", event.id, exc.message)
        raise


def _apply(event: GatewayEvent) -> Handled:
    intent_id = event.payment_intent_id
    if event.type not in HANDLED:
        return Handled("ignored")
    if not event.id or not intent_id:
        raise UnknownPayment("イベントの形式が正しくありません。")
    with UnitOfWork() as uow:
        if uow.session.get(WebhookEvent, event.id) is not None:
            return Handled("duplicate")
    try:  # outside any transaction
        intent = get_gateway().payment_intent(intent_id)
    except GatewayUnavailable as exc:
        raise GatewayDown(
            "決済サービスに接続できませんでした。少し時間をおいて、もう一度お試しください。"
        ) from exc
    except PaymentNotFound as exc:
        raise _unknown(intent_id) from exc
    with UnitOfWork() as uow:
        found = _donation_for(uow.session, intent)
        if found is None:
            raise _unknown(intent_id)
        uow.session.add(
            WebhookEvent(
                id=event.id,
                type=event.type,
                object_id=intent_id,
                payload=event.payload,
                outcome=f"donation {found.id}: {intent.status}",
            )
        )
        try:
            uow.flush()  # a concurrent delivery of the same event waits here, then fails
        except IntegrityError:
            uow.session.rollback()
            return Handled("duplicate")
        donation = uow.session.get(Donation, found.id, with_for_update=True, populate_existing=True)
        assert donation is not None
        attempt = _attempt_for(uow.session, donation, intent)
        payment_results.apply_result(
            uow,
            payment_results.Recording.of(donation),
            payment_results.AttemptState.of(attempt),
            intent,
        )
        uow.commit()
    return Handled("applied")
