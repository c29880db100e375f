"""Beat: sweeps that ask the database what is due (deadlines are data; no long ETA tasks)."""

from __future__ import annotations

from typing import Any

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "sweep-mail": {"task": "furusato.sweep_mail", "schedule": 300.0},
    "sweep-update-mail": {"task": "furusato.sweep_update_mail", "schedule": 300.0},
    # The outbox relay: mails queued without a task (a donation's confirmation) leave from here.
    "relay-mail": {"task": "furusato.relay_mail", "schedule": 2.0},
    "reconcile-payments": {"task": "furusato.reconcile_payments", "schedule": 60.0},
    "settle-due": {"task": "furusato.settle_due_sweep", "schedule": 60.0},
    "sweep-receipts": {"task": "furusato.sweep_receipts", "schedule": 300.0},
    "onestop-withdraw-refunded": {"task": "furusato.onestop_withdraw_refunded", "schedule": 900.0},
    # Reminders are claimed once per donor, year and kind, so an hourly sweep sends each once.
    "onestop-remind": {"task": "furusato.onestop_remind", "schedule": 3600.0},
    "mynumber-erase-due": {"task": "furusato.mynumber_erase_due", "schedule": 86400.0},
    # Outside December 20–31 (JST) the year-end sweep answers at once; the reminder rows make
    # each mail once, however often these run or restart.
    "remind-year-end": {"task": "furusato.remind_year_end", "schedule": 3600.0},
    "remind-followed-campaigns": {"task": "furusato.remind_followed_campaigns", "schedule": 900.0},
    "forget-stale-login-failures": {
        "task": "furusato.forget_stale_login_failures",
        "schedule": 3600.0,
    },
}
