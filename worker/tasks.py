"""Celery tasks: each a few lines that call a furusato service with ids, never ORM objects."""

from __future__ import annotations

from furusato.services import login_lockout, mail, per_item
from worker.celeryapp import app


@app.task(name="furusato.ping")
def ping() -> str:
    return "pong"


# No Celery retry: a transient failure is kept in the outbox with its next attempt time
# (services/mail.py), and the sweep sends it when it is due.
@app.task(name="furusato.send_email")
def send_email(email_id: int) -> None:
    mail.send(email_id)


@app.task(name="furusato.sweep_mail")
def sweep_mail() -> int:
    return per_item.each("mail: send queued", mail.queued_ids(), send_email.delay).done


@app.task(name="furusato.relay_mail")
def relay_mail() -> int:
    return len(mail.relay())


@app.task(name="furusato.forget_stale_login_failures")
def forget_stale_login_failures() -> int:
    return login_lockout.forget_stale()
