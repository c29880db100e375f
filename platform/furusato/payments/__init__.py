"""The payment gateway: an interface and its Stripe adapter (localstripe in tests and dev)."""

from furusato.payments.gateway import (
    ChargeResult,
    GatewayUnavailable,
    PaymentGateway,
    PaymentNotFound,
    RefundResult,
    SetupInfo,
    get_gateway,
    set_gateway,
)

__all__ = [
    "ChargeResult",
    "GatewayUnavailable",
    "PaymentGateway",
    "PaymentNotFound",
    "RefundResult",
    "SetupInfo",
    "get_gateway",
    "set_gateway",
]
