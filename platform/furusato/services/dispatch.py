"""Sending tasks to the worker by name, so services never import the worker package.

The web app and the worker install Celery's `send_task` at start-up; tests may install a
recorder. A failed send is logged, not raised: the beat sweeps re-derive due work from the DB.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Sender = Callable[..., Any]
_sender: Sender | None = None


def install(sender: Sender | None) -> None:
    global _sender
    _sender = sender


def is_installed() -> bool:
    """Whether tasks go to a worker (otherwise callers that can may do the work inline)."""
    return _sender is not None


def send(task_name: str, *args: Any) -> None:
    if _sender is None:
        log.debug("no task sender installed; %s%r left for the sweeps", task_name, args)
        return
    try:
        # No caller reads a task's result: without this, Celery subscribes the sender to the
        # result channel of every task it sends (a Redis round trip each).
        _sender(task_name, args=list(args), ignore_result=True)
    except Exception:  # broker down: the sweep will find the work again
        log.exception("could not send %s%r; the sweep will retry", task_name, args)
