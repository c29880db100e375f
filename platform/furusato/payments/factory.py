"""Which gateway the platform talks to: the configured Stripe adapter (Stripe in production,
localstripe in `make run` and the tests), or another set in its place."""

from __future__ import annotations

from furusato.payments.gateway import PaymentGateway
from furusato.payments.stripe_gateway import StripeGateway

_gateway: PaymentGateway | None = None


def get_gateway() -> PaymentGateway:
    global _gateway
    if _gateway is None:
        _gateway = StripeGateway.from_settings()
    return _gateway


def set_gateway(gateway: PaymentGateway | None) -> None:
    """Use another gateway (the benchmark's delayed fake; None returns to the configured one)."""
    global _gateway
    _gateway = gateway
