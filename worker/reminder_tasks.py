"""Reminder sweeps (issue 17): each calls a service that asks the database who is due."""

from __future__ import annotations

from furusato.services.following import campaign_reminders, year_end
from worker.celeryapp import app


@app.task(name="furusato.remind_year_end")
def remind_year_end() -> int:
    return year_end.sweep()


@app.task(name="furusato.remind_followed_campaigns")
def remind_followed_campaigns() -> int:
    return campaign_reminders.sweep()
