"""What the platform needs from a payment gateway, whatever the provider.

Results are plain values; a definite refusal (card declined) is a `ChargeResult` with status
`failed`, never an exception. `GatewayUnavailable` means the outcome is unknown (network, 5xx,
rate limit): the caller may retry with the same idempotency key, and must reconcile before
charging again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol


class GatewayUnavailable(Exception):
    """The gateway could not be reached or answered with a server error."""


class PaymentNotFound(Exception):
    """The gateway answered that it has no such object (a definite answer, not an outage)."""


class InvalidWebhook(ValueError):
    """A webhook whose signature does not verify (forged, unsigned, or signed too long ago)."""


@dataclass(frozen=True)
class GatewayEvent:
    """A verified webhook event, in our terms: what happened (`type`, as the gateway names it)
    to which PaymentIntent ("" when the event is about none)."""

    id: str
    type: str
    payment_intent_id: str
    payload: dict[str, Any] = field(repr=False)  # the event as sent: stored, never read


@dataclass(frozen=True)
class SetupInfo:
    customer_id: str
    setup_intent_id: str
    client_secret: str


@dataclass(frozen=True)
class ChargeResult:
    status: Literal["succeeded", "requires_action", "processing", "failed", "canceled"]
    payment_intent_id: str | None
    client_secret: str | None = None
    paid_at: datetime | None = None  # when the charge succeeded, as the gateway reports it
    amount_yen: int | None = None  # the PaymentIntent's amount, in its currency's unit
    currency: str | None = None  # lower case, as the gateway writes it ("jpy")
    customer_id: str | None = None
    amount_refunded_yen: int = 0
    error_code: str = ""
    error_message: str = ""
    metadata: dict[str, str] | None = None


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: str  # succeeded | pending | failed


class PaymentGateway(Protocol):
    publishable_key: str

    def prepare_card(
        self, *, email: str, name: str, idempotency_key: str, metadata: dict[str, str]
    ) -> SetupInfo:
        """A customer and a SetupIntent whose client secret the browser confirms."""

    def new_setup_intent(
        self, *, customer_id: str, idempotency_key: str, metadata: dict[str, str]
    ) -> SetupInfo:
        """A fresh SetupIntent for an existing customer (a confirmed one cannot be reused, so
        a donor trying another card after a decline needs a new one)."""

    def charge(
        self,
        *,
        amount_yen: int,
        customer_id: str | None,
        payment_method_id: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ChargeResult:
        """Create and confirm a PaymentIntent on the server (for the donation's customer when
        the card was saved with a SetupIntent; without one for a card the client brought)."""

    def payment_intent(self, payment_intent_id: str) -> ChargeResult:
        """The gateway's current view of a PaymentIntent (PaymentNotFound if it has none)."""

    def charges_for_attempt(self, attempt_key: str, customer_id: str | None) -> list[ChargeResult]:
        """The PaymentIntents made for one of our attempts (metadata `attempt`), to find a
        charge whose answer was lost: among the customer's, or searched for without one."""

    def refund(
        self, *, payment_intent_id: str, amount_yen: int, idempotency_key: str
    ) -> RefundResult:
        """Refund (part of) a succeeded PaymentIntent."""

    def verify_webhook(self, payload: bytes, signature: str) -> GatewayEvent:
        """The event, if its signature is valid; raises InvalidWebhook otherwise."""
