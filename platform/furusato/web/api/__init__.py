"""The JSON API under /api/v1: the same services as the pages, bearer-token authenticated."""

from __future__ import annotations

from furusato.web.api.core import api

# Importing the modules registers their operations on the blueprint.
from furusato.web.api import addresses, deduction, docs, documents, donations, gift_options, me, next_goals, payouts, projects, shipments, tokens, updates  # noqa: F401  isort: skip

__all__ = ["api"]
