"""The payment gateway: an interface and its Stripe adapter (localstripe in tests and dev)."""

from furusato.payments.factory import get_gateway, set_gateway
from furusato.payments.gateway import (
    ChargeResult,
    GatewayEvent,
    GatewayUnavailable,
    InvalidWebhook,
    PaymentGateway,
    PaymentNotFound,
    RefundResult,
    SetupInfo,
)

__all__ = [
    "ChargeResult",
    "GatewayEvent",
    "GatewayUnavailable",
    "InvalidWebhook",
    "PaymentGateway",
    "PaymentNotFound",
    "RefundResult",
    "SetupInfo",
    "get_gateway",
    "set_gateway",
]
