"""Giving: choose a tier, enter details, pay, see the confirmation."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("giving", __name__)
