"""Tasks after the money: receipts, one-stop housekeeping. Each calls a service with ids."""

from __future__ import annotations

# Importing `documents` and `receipts` registers the mail outbox's attachment renderers
# (`receipt:<id>`, `onestop_form:<id>`) in the worker process that sends the mail.
from furusato.services.fulfilment import (  # noqa: F401
    documents,
    mynumber_vault,
    onestop_notices,
    onestop_reminders,
    receipts,
)
from worker.celeryapp import app


@app.task(name="furusato.issue_receipt")
def issue_receipt(donation_id: int) -> int | None:
    return receipts.issue_receipt(donation_id)


@app.task(name="furusato.issue_receipt_chunk")
def issue_receipt_chunk(donation_ids: list[int]) -> int:
    return receipts.issue_chunk(donation_ids)


@app.task(name="furusato.issue_receipts_for_project")
def issue_receipts_for_project(project_id: int) -> int:
    return receipts.issue_for_project(project_id)


@app.task(name="furusato.sweep_receipts")
def sweep_receipts() -> int:
    return receipts.sweep()


@app.task(name="furusato.onestop_withdraw_refunded")
def onestop_withdraw_refunded() -> int:
    return onestop_notices.withdraw_refunded()


@app.task(name="furusato.mynumber_erase_due")
def mynumber_erase_due() -> int:
    return mynumber_vault.erase_due()


@app.task(name="furusato.onestop_remind")
def onestop_remind() -> int:
    return onestop_reminders.send_due()
