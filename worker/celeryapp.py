"""The Celery application, configured from furusato's settings."""

from __future__ import annotations

import logging

from celery import Celery
from celery.signals import worker_process_init

from furusato import log_masking
from furusato.config import get_settings
from furusato.services import dispatch
from worker import embedded_broker

log_masking.install()  # no guest token in the worker's logs either


class _QuietRelay(logging.Filter):
    """The outbox relay runs every two seconds and almost always finds nothing: its received,
    succeeded and beat lines would bury every other line of the worker's log (a mail it sends
    is logged by the mail task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return "relay_mail" not in message and "relay-mail" not in message


for _name in ("celery.beat", "celery.worker.strategy", "celery.app.trace"):
    logging.getLogger(_name).addFilter(_QuietRelay())
settings = get_settings()

# Each area keeps its tasks in a module of its own; list it here.
TASK_MODULES = [
    "worker.tasks",
    "worker.giving_tasks",
    "worker.settlement_tasks",
    "worker.after_tasks",
    "worker.reminder_tasks",
    "worker.campaign_tasks",
]
app = Celery("furusato", include=TASK_MODULES)
app.conf.update(
    broker_url=embedded_broker.broker_url(settings.celery_broker_url),
    result_backend=settings.celery_result_backend,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    # A task is acknowledged after it ran: a killed worker's task is delivered again, and every
    # task is idempotent (it claims its row with a conditional UPDATE first).
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    # Redis redelivers an unacknowledged task after this. The embedded default's broker
    # (worker/embedded_broker.py) has no timeout: `furusato dev` puts a dead worker's
    # unacknowledged tasks back before it starts the next.
    broker_transport_options=(
        {"visibility_timeout": 3600}
        if settings.celery_broker_url.startswith("redis")
        else embedded_broker.TRANSPORT_OPTIONS
        if settings.celery_broker_url.startswith("sqla+")
        else {}
    ),
    timezone="Asia/Tokyo",
    enable_utc=True,
    worker_hijack_root_logger=False,
)

from worker.schedule import BEAT_SCHEDULE  # noqa: E402

app.conf.beat_schedule = BEAT_SCHEDULE
dispatch.install(app.send_task)


@worker_process_init.connect
def _fresh_connections(**_: object) -> None:
    """Forked pool processes must not share the parent's database connections."""
    from furusato.db import get_engine

    get_engine().dispose(close=False)


celery_app = app
