"""The `ivr` command line: one sub-command per module, each a thin adapter.

Every command module exposes ``register(subparsers)`` which adds its parser and
sets ``func`` (a callable taking the parsed namespace and returning an exit code).
Adding a command is one line in ``COMMAND_MODULES``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMAND_MODULES: tuple[str, ...] = (
    "ivr.commands.validate",
    "ivr.commands.graph",
    "ivr.commands.serve",
    "ivr.commands.paths",
    "ivr.commands.simulate",
    "ivr.commands.audio",
    "ivr.commands.schema",
    "ivr.commands.diff",
    "ivr.commands.hours",
    "ivr.commands.phone",
    "ivr.commands.db",
    "ivr.commands.calls",
    "ivr.commands.messages",
    "ivr.commands.report",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only``, just the sub-command of that name (when its module,
    ``ivr.commands.<only>``, is one of ours and defines it): importing every command module is a
    quarter of a second, which ``ivr paths`` and the other quick commands need not pay."""
    parser = argparse.ArgumentParser(
        prog="ivr",
        description="Phone menus as config: validate, draw, serve, render audio and simulate calls.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    module = f"ivr.commands.{only}"
    if only is not None and module in COMMAND_MODULES:
        importlib.import_module(module).register(subparsers)
        if only in subparsers.choices:
            return parser
        return build_parser()
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words[0] if words and not words[0].startswith("-") else None)
    args = parser.parse_args(words)
    try:
        return int(args.func(args) or 0)
    except ValueError as exc:
        # A setting that is not valid (``ivr.web.settings.SettingError``), from any command that
        # builds the app or reads the settings: its one line and exit 2, not a traceback. Looked
        # up in sys.modules: raised only once that module is loaded, and the CLI stays light.
        settings = sys.modules.get("ivr.web.settings")
        if settings is None or not isinstance(exc, settings.SettingError):
            raise
        sys.stderr.write(f"ivr: {exc}\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
