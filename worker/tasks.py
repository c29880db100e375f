"""Celery tasks: each a few lines that call a furusato service with ids, never ORM objects."""

from __future__ import annotations

from worker.celeryapp import app


@app.task(name="furusato.ping")
def ping() -> str:
    return "pong"
