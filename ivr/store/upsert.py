"""The dialect's INSERT, which knows ``ON CONFLICT`` (SQLite and PostgreSQL spell it alike)."""

from __future__ import annotations

from sqlalchemy import Connection, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(connection: Connection, table: Table) -> Insert:
    """``INSERT`` for ``table`` in ``connection``'s dialect, with ``on_conflict_do_*``."""
    return insert_in(connection.dialect.name, table)


def insert_in(dialect: str, table: Table) -> Insert:
    """``INSERT`` for ``table`` in the dialect named ``dialect`` (``Dialect.name``), with ``on_conflict_do_*``."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)  # type: ignore[no-any-return]
