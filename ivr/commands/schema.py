"""`ivr schema [-o FILE | --check FILE]`: the menu file's JSON Schema, for editors and CI.

The schema is generated from the loader's field tables (``ivr.menu.schema``); ``schema/menu.schema.json``
is its committed copy, named by the ``# yaml-language-server: $schema=…`` comment at the top of the
shipped menus. ``--check`` is for CI: exit 1 when the committed copy is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ivr.menu.schema import COMMITTED_PATH, schema_text


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``schema`` sub-command to the ``ivr`` command line."""
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of the menu file (for editor completion and checks while typing)",
        description=(
            "Print the JSON Schema (draft 2020-12) of the menu file, generated from the loader's field tables. "
            f"-o writes it to a file (the shipped menus name {COMMITTED_PATH}); --check FILE exits 1 when FILE "
            "differs from it, 0 when it is up to date."
        ),
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-o", "--output", metavar="FILE", help="write the schema to FILE instead of stdout")
    group.add_argument("--check", metavar="FILE", help="exit 1 if FILE is not the current schema")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.check:
        path = Path(args.check)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            print(f"ivr schema: {path} is out of date: run `ivr schema -o {path}`", file=sys.stderr)
            return 1
        return 0
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
        return 0
    sys.stdout.write(text)
    return 0
