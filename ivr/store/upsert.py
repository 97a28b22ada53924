"""The dialect's INSERT, which knows ``ON CONFLICT`` (SQLite and PostgreSQL spell it alike)."""

from __future__ import annotations

from sqlalchemy import Connection, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(connection: Connection, table: Table) -> Insert:
    """``INSERT`` for ``table`` in ``connection``'s dialect, with ``on_conflict_do_*``."""
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    return module.insert(table)  # type: ignore[no-any-return]
