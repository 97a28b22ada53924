"""Alembic's entry point for the store's migrations: runs them on the engine ``ivr.store.migrate`` hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from ivr.store.migrate import PG_LOCK_KEY
from ivr.store.schema import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    if connection.dialect.name == "postgresql":  # two hosts upgrading at once: one waits for the other
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
