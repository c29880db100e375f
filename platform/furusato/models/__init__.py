"""Persistence models (SQLAlchemy 2, typed). Import from here: `from furusato.models import X`."""

from furusato.models.accounts import ApiToken, IdempotencyRecord, LoginFailure, User
from furusato.models.base import Base
from furusato.models.donations import Donation, PaymentAttempt, WebhookEvent
from furusato.models.engagement import (
    CampaignUpdate,
    CheerMessage,
    UpdateAccountLine,
    UpdateImage,
    UpdateUnsubscribe,
)
from furusato.models.following import Follow, ReminderSend
from furusato.models.fulfilment import (
    OnestopApplication,
    OnestopReminder,
    Receipt,
    ReceiptCounter,
    Shipment,
)
from furusato.models.money import FiscalYearCost, LedgerEntry, Payout, PayoutBatch
from furusato.models.ops import AuditLog, OutboundEmail
from furusato.models.projects import (
    Business,
    NextGoal,
    Project,
    ProjectImage,
    ProjectRevision,
    Tier,
)

__all__ = [
    "ApiToken",
    "AuditLog",
    "Base",
    "Business",
    "CampaignUpdate",
    "CheerMessage",
    "Donation",
    "FiscalYearCost",
    "Follow",
    "IdempotencyRecord",
    "LedgerEntry",
    "LoginFailure",
    "NextGoal",
    "OnestopApplication",
    "OnestopReminder",
    "OutboundEmail",
    "PaymentAttempt",
    "Payout",
    "PayoutBatch",
    "Project",
    "ProjectImage",
    "ProjectRevision",
    "Receipt",
    "ReceiptCounter",
    "ReminderSend",
    "Shipment",
    "Tier",
    "UpdateAccountLine",
    "UpdateImage",
    "UpdateUnsubscribe",
    "User",
    "WebhookEvent",
]
