"""Alembic environment: the engine comes from ``db.migrate.alembic_config``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from db.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    # Two processes starting at once must not both run the same migration.
    connection.execute(text("SELECT pg_advisory_lock(727274)"))
    connection.commit()
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            compare_server_default=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(727274)"))
        connection.commit()
