"""Opening the store to read or manage it (the ``ivr calls`` / ``ivr messages`` / ``ivr db`` commands)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from ivr.store import migrate
from ivr.store.database import open_engine
from ivr.store.forwarder import drain_orphans
from ivr.store.migrate import SchemaMissing

__all__ = ["SchemaMissing", "open_for_reading"]


def open_for_reading(database_url: str, spool_dir: Path | None = None) -> Engine:
    """An engine on an up-to-date schema, with whatever a stopped service left in the spool forwarded.

    SQLite is upgraded on the spot (as the service does on start); PostgreSQL must have been
    upgraded with ``ivr db upgrade``."""
    engine = open_engine(database_url)
    migrate.ensure_schema(engine)
    if spool_dir is not None:
        drain_orphans(engine, spool_dir)
    return engine
