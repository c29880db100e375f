"""Settlement tasks: the minute sweep, chunks of donations, and the gateway reconciliation."""

from __future__ import annotations

from celery import Task

from furusato.payments import GatewayUnavailable
from furusato.services.settlement import closing, reports, work
from worker.celeryapp import app

MAX_RETRIES = 5


@app.task(name="furusato.settle_due_sweep")
def settle_due_sweep() -> str:
    return closing.settle_due().describe()


@app.task(name="furusato.settle_chunk", bind=True, max_retries=MAX_RETRIES)
def settle_chunk(self: Task, project_id: int, donation_ids: list[int]) -> None:
    try:
        work.run_chunk(project_id, donation_ids)
    except work.TRANSIENT_ERRORS as exc:
        if self.request.retries >= MAX_RETRIES:  # the sweep picks these up again later
            work.mark_failed(project_id, donation_ids, _code(exc), str(exc))
            return
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc


def _code(exc: Exception) -> str:
    return "gateway_unavailable" if isinstance(exc, GatewayUnavailable) else "database_unavailable"


@app.task(name="furusato.reconcile_campaign")
def reconcile_campaign(project_id: int, actor_id: int | None = None) -> bool:
    return reports.reconcile(project_id, actor_id).matches
