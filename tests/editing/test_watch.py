"""`ivr validate --watch`: each save is checked again and only what changed is printed.

The loop is driven through a sequence of saves by its injected ``sleep`` (each "sleep" makes the
next save) and a fixed clock, for a bounded number of rounds: no real waiting.
"""

from __future__ import annotations

import os
from datetime import datetime
from io import StringIO
from pathlib import Path

from ivr.commands.watch import watch

CLEAN = Path(__file__).resolve().parents[1] / "fixtures" / "clean.yaml"
TYPO = ("        goto: refunds\n", "        goto: refundz\n")


def saves(path: Path, versions: list[str | None]):
    """A ``sleep`` that, each time it is called, saves the next version (None: delete the file)."""
    pending = list(versions)

    def sleep(_seconds: float) -> None:
        if not pending:
            return
        version = pending.pop(0)
        if version is None:
            path.unlink()
            return
        before = path.stat().st_mtime_ns if path.exists() else 0
        path.write_text(version, encoding="utf-8")
        os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))  # a save is always a new mtime

    return sleep


def run(path: Path, versions: list[str | None], rounds: int) -> list[str]:
    out = StringIO()
    watch([path], out=out, rounds=rounds, sleep=saves(path, versions), clock=lambda: datetime(2026, 12, 2, 9, 30, 5))
    return out.getvalue().splitlines()


def test_first_everything_then_only_what_changed(tmp_path: Path) -> None:
    clean = CLEAN.read_text(encoding="utf-8")
    path = tmp_path / "menu.yaml"
    path.write_text(clean, encoding="utf-8")
    broken = clean.replace(*TYPO)
    comment_only = broken.replace("# A frozen copy", "# A copy")
    lines = run(
        path, [broken, comment_only, broken.replace("  goodbye_numbers:\n", "\n  goodbye_numbers:\n"), clean], 6
    )
    assert lines == [
        f"{path}: ok (7 nodes, 2 hotlines, 2 languages)",
        f"[09:30:05] {path}: saved",
        f"+ {path}:132: error: option '1' targets 'refundz', which is not a node (did you mean 'refunds'?)",
        "      note: …and 1 node below it can't be reached until this is fixed: refunds",
        f"{path}: 1 error, 0 warnings",
        f"[09:30:05] {path}: saved, no change in its problems",  # a comment: nothing new
        f"{path}: 1 error, 0 warnings",
        f"[09:30:05] {path}: saved, no change in its problems",  # a line added below: same problem
        f"{path}: 1 error, 0 warnings",
        f"[09:30:05] {path}: saved",
        "- fixed: error: option '1' targets 'refundz', which is not a node (did you mean 'refunds'?)",
        f"{path}: ok (7 nodes, 2 hotlines, 2 languages)",
    ]


def test_nothing_is_printed_while_nobody_saves(tmp_path: Path) -> None:
    path = tmp_path / "menu.yaml"
    path.write_text(CLEAN.read_text(encoding="utf-8"), encoding="utf-8")
    assert run(path, [], 5) == [f"{path}: ok (7 nodes, 2 hotlines, 2 languages)"]


def test_a_file_that_goes_away_and_comes_back(tmp_path: Path) -> None:
    path = tmp_path / "menu.yaml"
    clean = CLEAN.read_text(encoding="utf-8")
    path.write_text(clean, encoding="utf-8")
    lines = run(path, [None, clean], 3)
    assert lines == [
        f"{path}: ok (7 nodes, 2 hotlines, 2 languages)",
        f"[09:30:05] {path}: no such file (watching for it)",
        f"{path}: ok (7 nodes, 2 hotlines, 2 languages)",
    ]
