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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ivr",
        description="Phone menus as config: validate, draw, serve, render audio and simulate calls.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
