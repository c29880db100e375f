"""Giving: settle payments whose answer was lost, release lapsed reservations."""

from __future__ import annotations

from furusato.services.giving import reconcile
from worker.celeryapp import app


@app.task(name="furusato.reconcile_payments")
def reconcile_payments() -> dict[str, int]:
    return reconcile.sweep()


@app.task(name="furusato.reconcile_donation")
def reconcile_donation(donation_id: int) -> str:
    return reconcile.check(donation_id)
