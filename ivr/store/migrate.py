"""Creating and upgrading the schema with the Alembic migrations shipped in ``ivr/store/migrations``.

``ivr db upgrade`` runs this; for SQLite the service runs it on start too (one file, nothing to
coordinate). For PostgreSQL, upgrading is a deliberate step before new code is rolled out to the
hosts, as with any shared database.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported by the functions that use it: a web worker imports this module at boot to
# make its ready check, and migrates (if ever) only when it forwards; alembic was 0.2-0.3 s of
# every worker's boot (python -X importtime).

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PG_LOCK_KEY = 0x1D12_5707  # pg_advisory_xact_lock key of the migrations (env.py)
_IN_PROCESS = threading.Lock()  # Alembic's ``context`` is module-global: one migration at a time per process


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema to ``revision``; returns (revision before, revision after)."""
    with _IN_PROCESS, _sqlite_file_lock(engine):
        before = current_revision(engine)
        if before != head_revision() or revision != "head":
            from alembic import command

            command.upgrade(alembic_config(engine), revision)
        return before, current_revision(engine)


@contextlib.contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """Several workers start at once on one SQLite file: one migrates, the others wait and find it done.
    (PostgreSQL: env.py takes an advisory lock in the migration's transaction.)"""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database:
        yield
        return
    fd = os.open(f"{database}.migrate-lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


class SchemaMissing(RuntimeError):
    """The database has not been upgraded to this version's schema."""


def ensure_schema(engine: Engine) -> None:
    """The schema at the head revision: SQLite is upgraded on the spot (one file, one host);
    PostgreSQL must have been upgraded deliberately with ``ivr db upgrade``, else this raises."""
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaMissing(f"the database schema is at {current or 'nothing'}, not {head}: run `ivr db upgrade`")


def ready_check(engine: Engine) -> Callable[[], None]:
    """What a forwarder calls before each pass: ``ensure_schema`` until it has succeeded once
    (until then it raises, and the pass is retried)."""
    done = False

    def ready() -> None:
        nonlocal done
        if not done:
            ensure_schema(engine)
            done = True

    return ready
