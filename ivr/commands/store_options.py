"""What the store commands share: ``--database-url`` / ``--spool-dir`` (default: the service's
settings, ``DATABASE_URL`` and ``SPOOL_DIR``), opening the store, and printing times."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ivr.store.access import SchemaMissing, open_for_reading
from ivr.store.database import StoreConfigError
from ivr.web.settings import SettingError, Settings


def add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="the call store (default: $DATABASE_URL, else sqlite:///var/ivr.db)")
    parser.add_argument("--spool-dir", help="the service's spool, forwarded first (default: $SPOOL_DIR or var/spool)")


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings, or exit 2 with the one line of a setting that is not valid (no traceback)."""
    overrides = {"DATABASE_URL": args.database_url, "SPOOL_DIR": args.spool_dir}
    try:
        return Settings.from_env({k: v for k, v in overrides.items() if v})
    except SettingError as exc:
        sys.stderr.write(f"ivr: {exc}\n")
        raise SystemExit(2) from None


def open_store(args: argparse.Namespace, command: str) -> Engine | None:
    """The engine, or None after printing one line that says what is wrong."""
    settings = settings_of(args)
    try:
        return open_for_reading(settings.database_url, settings.spool_dir)
    except (StoreConfigError, SchemaMissing) as exc:
        sys.stderr.write(f"ivr {command}: {exc}\n")
    except SQLAlchemyError as exc:
        reason = " ".join(str(exc.orig if getattr(exc, "orig", None) else exc).split())[:300]
        sys.stderr.write(f"ivr {command}: cannot open the call store ({reason})\n")
    return None


def when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if moment else "-"


def parse_day(text: str) -> datetime:
    """``2026-12-01`` or a full ISO time; naive means UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
