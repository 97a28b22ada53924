"""``ivr report [--since DATE] [--until DATE] [--format text|json|html] [-o FILE]``: the line's figures.

Reads the call store (``DATABASE_URL``, as the service does) and the menu file (for which nodes are
topics and menus, and what they are called), and prints the period's figures with the previous
period of equal length beside them. The definitions are in docs/analytics.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ivr.analytics import build_report
from ivr.analytics.html import render_html
from ivr.analytics.text import render_text
from ivr.call.checks import load_menu
from ivr.commands.store_options import add_store_options, open_store, settings_of
from ivr.menu.diagnostics import ConfigError
from ivr.store.database import sqlite_path

FORMATS = ("text", "json", "html")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``ivr report`` to the ``ivr`` command line."""
    parser = subparsers.add_parser(
        "report",
        help="the line's figures from the call store: outcomes, topics, menus, transfers",
        description="Figures of a period (default: the last 7 days) beside the previous period of equal length.",
    )
    add_store_arguments(parser)
    parser.add_argument("--since", help="first day of the period (ISO date or time, UTC; default: 7 days ago)")
    parser.add_argument("--until", help="end of the period, exclusive (ISO date or time, UTC; default: now)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="text (default), json or html")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    parser.set_defaults(func=run)


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """``--menu``, and the store options of ``ivr calls`` (``--database-url``, ``--spool-dir``), read
    from the service's own settings by default."""
    parser.add_argument(
        "--menu",
        default=os.environ.get("MENU_FILE", "menus/wallet.yaml"),
        help="the menu file the line serves (default: $MENU_FILE or menus/wallet.yaml)",
    )
    add_store_options(parser)
    parser.add_argument("--database", dest="database_url", help=argparse.SUPPRESS)  # its first name


def period(since: str | None, until: str | None, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The report's [since, until) in UTC from the command line's ISO dates (``ValueError`` if unreadable)."""
    end = _instant(until, "--until") if until else (now or datetime.now(UTC))
    start = _instant(since, "--since") if since else end - timedelta(days=7)
    if end <= start:
        raise ValueError(f"--until ({end:%Y-%m-%d %H:%M}) must be after --since ({start:%Y-%m-%d %H:%M})")
    return start, end


def open_existing_store(args: argparse.Namespace, command: str) -> Engine | None:
    """The store the service writes (SQLite upgraded on the spot, the spool forwarded first), or None
    after one line on stderr. A SQLite file that does not exist is an error here, not a new empty
    store: a report of a mistyped path would otherwise be a quiet report of zeros."""
    path = sqlite_path(settings_of(args).database_url)
    if path is not None and not path.exists():
        print(f"ivr {command}: {path}: no call store there yet (run `ivr db upgrade`, or serve the line once)",
              file=sys.stderr)  # fmt: skip
        return None
    return open_store(args, command)


def run(args: argparse.Namespace) -> int:
    try:
        since, until = period(args.since, args.until)
        tree = load_menu(args.menu)
    except (ValueError, ConfigError) as exc:
        print(f"ivr report: {exc}", file=sys.stderr)
        return 2
    engine = open_existing_store(args, "report")
    if engine is None:
        return 2
    try:
        report = build_report(engine, tree, since, until)
    except SQLAlchemyError as exc:
        reason = " ".join(str(exc.orig if getattr(exc, "orig", None) else exc).split())[:300]
        print(f"ivr report: cannot read the call store ({reason})", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if args.format == "json":
        text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
    elif args.format == "html":
        text = render_html(report, tree)
    else:
        text = render_text(report)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"ivr report: wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _instant(text: str, flag: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{flag} {text!r} is not an ISO date such as 2026-11-23") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
