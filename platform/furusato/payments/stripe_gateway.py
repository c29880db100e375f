"""The Stripe adapter, written to the subset that both Stripe and localstripe accept.

Idempotency keys are sent on every creating call as a second line of defence; the first is our
database (one live charge attempt and one refund per donation). localstripe expands
`latest_charge` where Stripe returns an id: both are accepted.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe

from furusato.config import get_settings
from furusato.payments.gateway import (
    ChargeResult,
    GatewayEvent,
    GatewayUnavailable,
    InvalidWebhook,
    PaymentNotFound,
    RefundResult,
    SetupInfo,
)

# Errors after which the outcome of the call is not known: retry with the same key, or reconcile.
_TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError)


def _transient(exc: stripe.StripeError) -> bool:
    if isinstance(exc, _TRANSIENT):
        return True
    status = getattr(exc, "http_status", None)
    return isinstance(status, int) and status >= 500


class StripeGateway:
    def __init__(
        self,
        secret_key: str,
        publishable_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        timeout_seconds: int = 20,
        attach_card: bool = False,
    ) -> None:
        base = {"api": api_base} if api_base else {}
        self.publishable_key = publishable_key
        self._attach_card = attach_card
        self._webhook_secret = webhook_secret
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses=base,  # type: ignore[arg-type]
            max_network_retries=0,  # retries are ours, with the same key and backoff
            http_client=_http_client(api_base or stripe.api_base, timeout_seconds),
        )

    @classmethod
    def from_settings(cls) -> StripeGateway:
        s = get_settings()
        return cls(
            s.stripe_secret_key,
            s.stripe_publishable_key,
            s.stripe_webhook_secret,
            api_base=s.stripe_api_base,
            attach_card=s.stripe_attach_card,
        )

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except stripe.StripeError as exc:
            if _transient(exc):
                raise GatewayUnavailable(str(exc)) from exc
            raise

    def prepare_card(
        self, *, email: str, name: str, idempotency_key: str, metadata: dict[str, str]
    ) -> SetupInfo:
        v1 = self._client.v1
        customer = self._call(
            v1.customers.create,
            params={"email": email, "name": name, "metadata": metadata},
            options={"idempotency_key": f"{idempotency_key}:customer"},
        )
        return self.new_setup_intent(
            customer_id=customer.id,
            idempotency_key=f"{idempotency_key}:setup",
            metadata=metadata,
        )

    def new_setup_intent(
        self, *, customer_id: str, idempotency_key: str, metadata: dict[str, str]
    ) -> SetupInfo:
        intent = self._call(
            self._client.v1.setup_intents.create,
            params={"customer": customer_id, "usage": "off_session", "metadata": metadata},
            options={"idempotency_key": idempotency_key},
        )
        return SetupInfo(customer_id, intent.id, intent.client_secret)

    def charge(
        self,
        *,
        amount_yen: int,
        customer_id: str | None,
        payment_method_id: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ChargeResult:
        v1 = self._client.v1
        try:
            if self._attach_card:
                # confirmCardSetup does not attach the card on localstripe, which decides a test
                # card's decline at attach (and attaches only to a customer). Stripe attached
                # it when the SetupIntent was confirmed, and charges a card the client brought
                # once without a customer.
                customer_id = customer_id or self._customer_for(idempotency_key, metadata)
                self._call(
                    v1.payment_methods.attach,
                    payment_method_id,
                    params={"customer": customer_id},
                    options={"idempotency_key": f"{idempotency_key}:attach"},
                )
            params: dict[str, Any] = {
                "amount": amount_yen,
                "currency": "jpy",
                "payment_method": payment_method_id,
                "confirm": True,
                "metadata": metadata,
            }
            if customer_id:
                params["customer"] = customer_id
            intent = self._call(
                v1.payment_intents.create,
                params=params,
                options={"idempotency_key": idempotency_key},
            )
        except stripe.CardError as exc:
            err = getattr(exc, "error", None)
            intent = getattr(err, "payment_intent", None) if err is not None else None
            return ChargeResult(
                status="failed",
                payment_intent_id=intent.id if intent is not None else None,
                amount_yen=_amount(intent),
                currency=_currency(intent),
                error_code=exc.code or "card_declined",
                error_message=exc.user_message or str(exc),
            )
        except stripe.InvalidRequestError as exc:
            return ChargeResult(
                status="failed",
                payment_intent_id=None,
                error_code=exc.code or "invalid_request",
                error_message=exc.user_message or str(exc),
            )
        return self._result(intent)

    def _customer_for(self, idempotency_key: str, metadata: dict[str, str]) -> str:
        customer = self._call(
            self._client.v1.customers.create,
            params={"metadata": metadata},
            options={"idempotency_key": f"{idempotency_key}:customer"},
        )
        return str(customer.id)

    def payment_intent(self, payment_intent_id: str) -> ChargeResult:
        try:
            intent = self._call(
                self._client.v1.payment_intents.retrieve,
                payment_intent_id,
                params={"expand": ["latest_charge"]},
            )
        except stripe.InvalidRequestError as exc:
            if getattr(exc, "http_status", None) == 404:
                raise PaymentNotFound(payment_intent_id) from exc
            raise
        return self._result(intent)

    def charges_for_attempt(self, attempt_key: str, customer_id: str | None) -> list[ChargeResult]:
        v1 = self._client.v1
        intents: list[Any] = []
        try:
            if customer_id:
                page = self._call(
                    v1.payment_intents.list, params={"customer": customer_id, "limit": 100}
                )
            else:
                query = f"metadata['attempt']:'{attempt_key}'"
                page = self._call(v1.payment_intents.search, params={"query": query})
            intents = list(page.data)
        except stripe.InvalidRequestError:
            # localstripe neither filters lists by customer nor searches: list all, filter here.
            page = self._call(v1.payment_intents.list, params={"limit": 100})
            intents = list(page.auto_paging_iter())
        return [
            result
            for result in map(self._result, intents)
            if (result.metadata or {}).get("attempt") == attempt_key
        ]

    def refund(
        self, *, payment_intent_id: str, amount_yen: int, idempotency_key: str
    ) -> RefundResult:
        refund = self._call(
            self._client.v1.refunds.create,
            params={"payment_intent": payment_intent_id, "amount": amount_yen},
            options={"idempotency_key": idempotency_key},
        )
        return RefundResult(refund.id, refund.status or "pending")

    def verify_webhook(self, payload: bytes, signature: str) -> GatewayEvent:
        try:
            event = stripe.Webhook.construct_event(payload, signature, self._webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise InvalidWebhook(f"invalid webhook: {exc}") from exc
        raw = dict(event.to_dict())
        event_type = str(raw.get("type") or "")
        about = (raw.get("data") or {}).get("object") or {}
        return GatewayEvent(
            id=str(raw.get("id") or ""),
            type=event_type,
            payment_intent_id=str(about.get("id") or "")
            if event_type.startswith("payment_intent.")
            else "",
            payload=raw,
        )

    def _result(self, intent: Any) -> ChargeResult:
        charge = getattr(intent, "latest_charge", None)
        if isinstance(charge, str):  # Stripe returns an id unless expanded
            charge = self._call(self._client.v1.charges.retrieve, charge)
        paid_at = None
        refunded = 0
        if charge is not None and intent.status == "succeeded":
            paid_at = datetime.fromtimestamp(int(charge.created), UTC)
            refunded = int(getattr(charge, "amount_refunded", 0) or 0)
        error = getattr(intent, "last_payment_error", None)
        return ChargeResult(
            status=_STATUS.get(intent.status, "processing"),  # type: ignore[arg-type]
            payment_intent_id=intent.id,
            client_secret=intent.client_secret,
            paid_at=paid_at,
            amount_yen=_amount(intent),
            currency=_currency(intent),
            customer_id=_id_of(getattr(intent, "customer", None)),
            amount_refunded_yen=refunded,
            error_code=(getattr(error, "code", "") or "") if error else "",
            error_message=(getattr(error, "message", "") or "") if error else "",
            metadata=_metadata(intent),
        )


def _amount(intent: Any) -> int | None:
    amount = getattr(intent, "amount", None) if intent is not None else None
    return int(amount) if amount is not None else None


def _currency(intent: Any) -> str | None:
    currency = getattr(intent, "currency", None) if intent is not None else None
    return str(currency).lower() if currency else None


def _id_of(value: Any) -> str | None:
    """An id, whether the API gave the id or the expanded object."""
    if value is None or isinstance(value, str):
        return value
    return str(getattr(value, "id", "")) or None


def _metadata(intent: Any) -> dict[str, str]:
    raw = getattr(intent, "metadata", None)
    if raw is None:
        return {}
    data = raw.to_dict() if hasattr(raw, "to_dict") else dict(raw)
    return {str(k): str(v) for k, v in data.items()}


_STATUS = {
    "succeeded": "succeeded",
    "requires_action": "requires_action",
    "requires_confirmation": "requires_action",
    "processing": "processing",
    "canceled": "canceled",
    "requires_payment_method": "failed",  # a confirm that failed leaves the intent here
}


def _http_client(api_base: str, timeout_seconds: int) -> stripe.HTTPClient:
    """stripe's HTTP client: one urllib3 connection pool for the gateway's address, shared by
    every thread (urllib3's pools are thread-safe), kept alive between calls. The proxy
    settings of the environment are read once, here (HTTPS_PROXY / NO_PROXY still apply)."""
    address = urllib.parse.urlsplit(api_base)
    bypass = urllib.request.proxy_bypass(address.hostname or "")
    proxy = None if bypass else urllib.request.getproxies().get(address.scheme)
    return Urllib3Client(timeout_seconds, proxy=proxy)


class Urllib3Client(stripe.HTTPClient):
    """stripe's client interface on urllib3 directly: requests' session machinery (its
    hooks, cookie jar, environment merge and adapters) cost about a third of a gateway call's
    CPU, for nothing a call to one API needs. Connection failures and timeouts become
    stripe's APIConnectionError, as with stripe's own clients (the outcome is not known)."""

    name = "urllib3"

    def __init__(self, timeout_seconds: float, proxy: str | None = None) -> None:
        import certifi
        import urllib3

        super().__init__()
        self._urllib3 = urllib3
        kwargs: dict[str, Any] = {
            "maxsize": 32,  # connections kept per host: one per thread at the peak
            "timeout": urllib3.Timeout(total=timeout_seconds),
            "retries": False,
            "ca_certs": stripe.ca_bundle_path or certifi.where(),
        }
        self._pool: urllib3.PoolManager = (
            urllib3.ProxyManager(proxy, **kwargs) if proxy else urllib3.PoolManager(**kwargs)
        )

    def request(  # type: ignore[override]  # stripe's own clients answer bytes, as here
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[bytes, int, Mapping[str, str]]:
        try:
            response = self._pool.request(
                method.upper(), url, body=post_data, headers=headers, redirect=False
            )
        except self._urllib3.exceptions.HTTPError as exc:
            retry = not isinstance(exc, self._urllib3.exceptions.SSLError)
            raise stripe.APIConnectionError(
                f"Unexpected error communicating with Stripe: {type(exc).__name__}: {exc}",
                should_retry=retry,
            ) from exc
        return response.data, response.status, response.headers

    def close(self) -> None:
        self._pool.clear()
