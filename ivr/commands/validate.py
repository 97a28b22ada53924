"""`ivr validate [FILE…]`: every problem of every menu file, the way a compiler reports them.

An editor fixing a menu wants the whole list in one run, each problem with the file and line
to change, errors (the line cannot be served) before warnings (it can, but callers will
suffer). The exit code lets CI and ``scripts/test.sh`` gate on it: 0 clean or warnings only,
1 any error (or any warning with ``--strict``), 2 a named file that does not exist, since that
is a mistake in the command rather than in a menu.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from ivr.call.checks import check_menu
from ivr.menu.diagnostics import Diagnostic
from ivr.menu.model import Tree

MENU_DIR = "menus"

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

_COLOURS = {"error": "\033[1;31m", "warning": "\033[1;33m", "ok": "\033[32m", "file": "\033[1m"}
_RESET = "\033[0m"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` sub-command to the ``ivr`` command line."""
    parser = subparsers.add_parser(
        "validate",
        help="check menu files and report every problem with its file and line",
        description=(
            "Check menu files: YAML syntax, field names, languages, keys, hours, numbers, and the tree as a "
            f"phone line (targets, reachability, ways out). With no FILE, checks every {MENU_DIR}/*.yaml. "
            "Exit status: 0 no errors (warnings allowed), 1 errors (or warnings with --strict), "
            "2 a named file does not exist."
        ),
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help=f"menu files (default: {MENU_DIR}/*.yaml)")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the problems, no summaries")
    parser.add_argument(
        "--watch", action="store_true", help="check again on every save and print only what changed (Ctrl-C stops)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Entry point of the sub-command; returns the exit code."""
    if args.watch:
        from ivr.commands.watch import run_watch  # the loop needs this module's output helpers

        paths = [Path(f) for f in args.files] if args.files else default_files()
        if not paths:
            print(f"ivr validate: no menu files in {MENU_DIR}/ to watch (name the files)", file=sys.stderr)
            return EXIT_USAGE
        return run_watch(paths)
    return validate_files(args.files, strict=args.strict, quiet=args.quiet)


def default_files(root: str | Path = ".") -> list[Path]:
    """The shipped menus: ``menus/*.yaml`` under ``root``. Sub-folders hold examples and drafts, not lines."""
    folder = Path(root) / MENU_DIR
    return sorted(p for p in folder.glob("*.yaml") if p.is_file())


def use_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only for a person at a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def validate_files(
    files: Sequence[str | Path],
    *,
    strict: bool = False,
    quiet: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Check each file, print its problems and (unless ``quiet``) a summary line; return the exit code.

    Missing files are reported on ``err`` and make the result 2, but the other files are still
    checked, so one typo in a file name does not hide the problems of the rest.
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    colour = use_colour(out)
    paths = [Path(f) for f in files] if files else default_files()
    if not paths:
        print(
            f"ivr validate: no menu files in {MENU_DIR}/ (run it from the project folder, or name the files)", file=err
        )
        return EXIT_USAGE
    missing = False
    failed = False
    for path in paths:
        if not path.exists():
            print(f"ivr validate: {path}: no such file", file=err)
            missing = True
            continue
        if path.is_dir():
            print(f"ivr validate: {path}: is a folder, not a menu file", file=err)
            missing = True
            continue
        tree, diagnostics = check_menu(path)
        errors = [d for d in diagnostics if d.severity == "error"]
        warnings = [d for d in diagnostics if d.severity == "warning"]
        for diagnostic in sorted(errors, key=_by_line) + sorted(warnings, key=_by_line):
            print(format_diagnostic(diagnostic, colour), file=out)
        if errors or (strict and warnings):
            failed = True
        if not quiet:
            print(summary(path, tree, errors, warnings, colour), file=out)
    if missing:
        return EXIT_USAGE
    return EXIT_PROBLEMS if failed else EXIT_OK


def _by_line(diagnostic: Diagnostic) -> tuple[int, str]:
    return diagnostic.source.line, diagnostic.message


def _paint(text: str, style: str, colour: bool) -> str:
    return f"{_COLOURS[style]}{text}{_RESET}" if colour else text


def format_diagnostic(diagnostic: Diagnostic, colour: bool = False) -> str:
    """``file:line: error: message``: the form editors and CI annotators already know how to jump to; what
    follows from it (nodes it cuts off) on indented ``note:`` lines below, as compilers print notes."""
    severity = _paint(diagnostic.severity, diagnostic.severity, colour)
    lines = [f"{_paint(str(diagnostic.source), 'file', colour)}: {severity}: {diagnostic.message}"]
    lines += [f"    note: {note}" for note in diagnostic.notes]
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def summary(path: Path, tree: Tree | None, errors: list[Diagnostic], warnings: list[Diagnostic], colour: bool) -> str:
    """One line per file: the counts when something is wrong, else what was checked (a sanity check on size)."""
    if errors or warnings or tree is None:
        counts = f"{_count(len(errors), 'error')}, {_count(len(warnings), 'warning')}"
        return f"{path}: {_paint(counts, 'error' if errors else 'warning', colour)}"
    size = (
        f"({_count(len(tree.nodes), 'node')}, {_count(len(tree.hotlines), 'hotline')},"
        f" {_count(len(tree.languages), 'language')})"
    )
    return f"{path}: {_paint('ok', 'ok', colour)} {size}"
