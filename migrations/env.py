"""Alembic environment: the database URL comes from furusato's settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from furusato.db import get_engine
from furusato.models import Base

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connectable = config.attributes.get("connection")
if connectable is not None:
    run(connectable)
else:
    with get_engine().connect() as connection:
        run(connection)
