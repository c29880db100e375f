"""POST /webhooks/stripe: verified, de-duplicated gateway events."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
