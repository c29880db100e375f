"""Real-worker tests: the Celery worker fixtures (see tests/support/worker.py)."""

from tests.support.worker import celery_worker, worker  # noqa: F401
