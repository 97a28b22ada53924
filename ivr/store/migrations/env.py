"""Alembic's entry point for the store's migrations: runs them on the engine ``ivr.store.migrate`` hands in."""

from __future__ import annotations

from alembic import context

from ivr.store.schema import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
