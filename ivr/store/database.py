"""Opening the database named by ``DATABASE_URL``: SQLite (the default, one file) or PostgreSQL.

SQLite runs in WAL mode (readers never block the writer; https://www.sqlite.org/wal.html) with
``synchronous=FULL`` (a committed transaction survives a power loss) and a busy timeout, since
several gunicorn workers forward into the same file. ``postgresql://`` URLs are driven by
psycopg 3 (SQLAlchemy's ``postgresql+psycopg`` dialect); a short connect timeout keeps a dead
server from stalling the background forwarder for long (it retries with back-off).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

DEFAULT_URL = "sqlite:///var/ivr.db"
SQLITE_BUSY_MS = 5000
PG_CONNECT_TIMEOUT_S = 3


class StoreConfigError(ValueError):
    """A DATABASE_URL the store cannot use; the message names the setting and the fix."""


def normalise_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` mean psycopg 3; SQLite URLs stay as they are."""
    url = url.strip() or DEFAULT_URL
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_url(url: str) -> str:
    """The normalised URL, or ``StoreConfigError`` naming what is wrong with it."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except Exception:  # sqlalchemy raises ArgumentError for anything unparsable
        raise StoreConfigError(
            f"DATABASE_URL={url!r} is not a database URL: use sqlite:///path/to/ivr.db or postgresql://user@host/db"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreConfigError(
            f"DATABASE_URL={url!r}: only SQLite (sqlite:///…) and PostgreSQL (postgresql://…) are supported"
        )
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise StoreConfigError(
            f"DATABASE_URL={url!r}: an in-memory SQLite database would lose every call; name a file, "
            "e.g. sqlite:///var/ivr.db"
        )
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(normalise_url(url))
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


def open_engine(url: str) -> Engine:
    """An engine for ``url`` (checked), creating a SQLite file's folder if needed."""
    url = check_url(url)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=2, max_overflow=2, connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S}
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
