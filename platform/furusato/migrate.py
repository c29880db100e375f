"""Running Alembic from code (the CLI, the test suite and the dev runner share this)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from furusato.config import PROJECT_ROOT


def alembic_config() -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return cfg


def upgrade(connection: Connection | None = None, revision: str = "head") -> None:
    cfg = alembic_config()
    if connection is not None:
        cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)
