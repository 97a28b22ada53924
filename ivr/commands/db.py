"""`ivr db upgrade`: create the call store's schema or bring it to this version (Alembic migrations).

SQLite is upgraded by the service on start too; PostgreSQL, shared by several hosts, is upgraded
with this command before the new version is rolled out (docs/store.md).
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from ivr.commands.store_options import add_store_options, settings_of
from ivr.store import migrate
from ivr.store.database import StoreConfigError, open_engine


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="manage the call store's database schema")
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION")
    actions.required = True
    upgrade = actions.add_parser("upgrade", help="create or upgrade the schema to this version")
    add_store_options(upgrade)
    upgrade.set_defaults(func=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    try:
        engine = open_engine(settings.database_url)
        before, after = migrate.upgrade(engine)
    except StoreConfigError as exc:
        sys.stderr.write(f"ivr db upgrade: {exc}\n")
        return 2
    except SQLAlchemyError as exc:
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
        sys.stderr.write(f"ivr db upgrade: cannot reach the database ({reason})\n")
        return 1
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        print(f"{where}: schema already at {after}")
    else:
        print(f"{where}: schema upgraded from {before or 'nothing'} to {after}")
    return 0
