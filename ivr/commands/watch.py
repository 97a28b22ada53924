"""`ivr validate --watch`: check the menus again on every save, and print only what changed.

Editing a menu with a terminal beside it: the first check prints everything (as ``ivr validate``);
after that, each save prints the problems that are new (``+``) and the ones that are gone (``-``),
then the file's counts. A problem that only moved because lines were added above it is not news.
Saves are found by polling each file's modification time and size (no dependency, works on every
file system, including network and container mounts where change notifications do not arrive).

The loop takes its sleep and clock as parameters, and a number of rounds, so a test drives it
through a sequence of saves without waiting.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from ivr.call.checks import check_menu
from ivr.commands.validate import format_diagnostic, summary, use_colour
from ivr.menu.diagnostics import Diagnostic

INTERVAL = 0.5  # seconds between looks at the files: a save shows up within half a second

Stamp = tuple[int, int] | None  # (mtime in ns, size); None: the file is not there


def _stamp(path: Path) -> Stamp:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def _by_line(diagnostic: Diagnostic) -> tuple[int, str]:
    return diagnostic.source.line, diagnostic.message


def _identity(diagnostic: Diagnostic) -> tuple[str, str, tuple[str, ...]]:
    return diagnostic.severity, diagnostic.message, diagnostic.notes


def watch(
    paths: Sequence[Path],
    *,
    out: TextIO | None = None,
    interval: float = INTERVAL,
    rounds: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = datetime.now,
) -> int:
    """Check ``paths`` now and after every change, until interrupted (or ``rounds`` looks have been taken)."""
    out = sys.stdout if out is None else out
    colour = use_colour(out)
    stamps: dict[Path, Stamp] = {}
    known: dict[Path, list[Diagnostic] | None] = {}
    taken = 0
    while rounds is None or taken < rounds:
        for path in paths:
            stamp = _stamp(path)
            if path in stamps and stamp == stamps[path]:
                continue
            stamps[path] = stamp
            first = path not in known
            when = "" if first else f"[{clock().strftime('%H:%M:%S')}] "
            if stamp is None:
                known[path] = None
                print(f"{when}{path}: no such file (watching for it)", file=out)
                continue
            tree, diagnostics = check_menu(path)
            before = known.get(path)
            known[path] = diagnostics
            if first or before is None:
                shown = sorted(diagnostics, key=lambda d: (d.severity != "error", _by_line(d)))  # errors first
                for diagnostic in shown:
                    print(format_diagnostic(diagnostic, colour), file=out)
            else:
                _changes(before, diagnostics, out, colour, when, path)
            errors = [d for d in diagnostics if d.severity == "error"]
            warnings = [d for d in diagnostics if d.severity == "warning"]
            print(summary(path, tree, errors, warnings, colour), file=out)
        out.flush()
        taken += 1
        if rounds is None or taken < rounds:
            sleep(interval)
    return 0


def _changes(
    before: list[Diagnostic], after: list[Diagnostic], out: TextIO, colour: bool, when: str, path: Path
) -> None:
    """``+`` each new problem (with its line now), ``-`` each fixed one; nothing for problems that only moved."""
    unmatched = Counter(_identity(d) for d in before)
    new = []
    for diagnostic in sorted(after, key=_by_line):
        if unmatched[_identity(diagnostic)] > 0:
            unmatched[_identity(diagnostic)] -= 1
        else:
            new.append(diagnostic)
    gone = []
    for diagnostic in sorted(before, key=_by_line):
        if unmatched[_identity(diagnostic)] > 0:
            unmatched[_identity(diagnostic)] -= 1
            gone.append(diagnostic)
    if not new and not gone:
        print(f"{when}{path}: saved, no change in its problems", file=out)
        return
    print(f"{when}{path}: saved", file=out)
    for diagnostic in gone:
        print(f"- fixed: {diagnostic.severity}: {diagnostic.message}", file=out)
    for diagnostic in new:
        print("+ " + format_diagnostic(diagnostic, colour).replace("\n", "\n  "), file=out)


def run_watch(paths: Sequence[Path], out: TextIO | None = None) -> int:
    """The ``--watch`` flag: until Ctrl-C, which ends it with status 0."""
    out = sys.stdout if out is None else out
    print(f"watching {', '.join(map(str, paths))} (Ctrl-C to stop)", file=out)
    try:
        return watch(paths, out=out)
    except KeyboardInterrupt:
        return 0
