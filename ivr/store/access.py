"""Opening the store to read or manage it (the ``ivr calls`` / ``ivr messages`` / ``ivr db`` commands)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from ivr.store import migrate
from ivr.store.database import is_sqlite, open_engine
from ivr.store.forwarder import drain_orphans


class SchemaMissing(RuntimeError):
    """The database has not been upgraded to this version's schema."""


def open_for_reading(database_url: str, spool_dir: Path | None = None) -> Engine:
    """An engine on an up-to-date schema, with whatever a stopped service left in the spool forwarded.

    SQLite is upgraded on the spot (as the service does on start); PostgreSQL must have been
    upgraded with ``ivr db upgrade``."""
    engine = open_engine(database_url)
    if is_sqlite(database_url):
        migrate.upgrade(engine)
    else:
        current, head = migrate.current_revision(engine), migrate.head_revision()
        if current != head:
            raise SchemaMissing(f"the database schema is at {current or 'nothing'}, not {head}: run `ivr db upgrade`")
    if spool_dir is not None:
        drain_orphans(engine, spool_dir)
    return engine
