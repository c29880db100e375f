"""Campaigns after the pledge: an update's mails to the campaign's donors, queued once."""

from __future__ import annotations

from furusato.services import per_item
from furusato.services.campaigns import update_mail
from worker.celeryapp import app


@app.task(name="furusato.mail_update")
def mail_update(update_id: int) -> int:
    return update_mail.fan_out(update_id)


@app.task(name="furusato.sweep_update_mail")
def sweep_update_mail() -> int:
    return per_item.each("updates: mail", update_mail.due_ids(), update_mail.fan_out).done
