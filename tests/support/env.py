"""The test environment: one PostgreSQL database and one Redis db per test slot.

FURUSATO_TEST_SLOT lets several suites run side by side on one machine (each gets its own
database `furusato_test_<slot>` and Redis db number)."""

from __future__ import annotations

import os
import re
import socket
import tempfile
from pathlib import Path

SLOT = re.sub(r"[^a-z0-9_]", "_", os.environ.get("FURUSATO_TEST_SLOT", "main").lower())
ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DB_NAME = f"furusato_test_{SLOT}"
REDIS_DB = 1 + (sum(map(ord, SLOT)) % 14)


def database_url(name: str = DB_NAME) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def redis_url() -> str:
    return REDIS_BASE.rsplit("/", 1)[0] + f"/{REDIS_DB}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def configure_environment() -> Path:
    """Point furusato's settings at the test services (before anything reads them)."""
    instance = Path(tempfile.mkdtemp(prefix=f"furusato-test-{SLOT}-"))
    os.environ.update(
        FURUSATO_ENV="test",
        FURUSATO_INSTANCE_DIR=str(instance),
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=redis_url(),
        CELERY_RESULT_BACKEND=redis_url(),
        SECRET_KEY="test-secret-key-that-is-long-enough-0123456789",
        RATELIMIT_STORAGE_URL="memory://",
        # A port of the run's own (tests/support/mail.py), not whatever listens on the default one.
        SMTP_URL=f"smtp://127.0.0.1:{_free_port()}",
    )
    return instance
