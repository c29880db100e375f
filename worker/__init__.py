"""The Celery worker and beat (`celery -A worker worker`, `celery -A worker beat`)."""

from worker.celeryapp import app

__all__ = ["app"]
