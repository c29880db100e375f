"""Celery tasks: each a few lines that call a furusato service with ids, never ORM objects."""

from __future__ import annotations

from furusato.services import mail, per_item
from worker.celeryapp import app


@app.task(name="furusato.ping")
def ping() -> str:
    return "pong"


@app.task(
    name="furusato.send_email",
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=8,
)
def send_email(email_id: int) -> None:
    mail.send(email_id)


@app.task(name="furusato.sweep_mail")
def sweep_mail() -> int:
    return per_item.each("mail: send queued", mail.queued_ids(), send_email.delay).done
