"""`ivr diff OLD NEW [--format text|markdown]`: what callers would notice between two versions of a menu.

OLD and NEW are menu files, or ``git:REV:path`` for a file as it is in a commit (``git:main:menus/
wallet.yaml``; the path is from the repository's top folder, or ``./…`` from the current one). Both
are loaded and checked as ``ivr validate`` would, and compared by ``ivr.call.changes``: per language,
what is heard differently; options added, removed or moved; targets, hotline numbers and hours
changed; nodes added or removed; problems that are new or fixed.

Exit status, as diff(1): 0 nothing a caller would notice changed (comments, key order, anchors,
moved lines), 1 something did, 2 trouble (a file that does not exist, a git revision that cannot be
read, a file that is not a menu at all on either side).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from ivr.call.changes import Change, compare
from ivr.call.checks import check_menu

EXIT_SAME = 0
EXIT_CHANGED = 1
EXIT_TROUBLE = 2
FORMATS = ("text", "markdown")
LONG = 60  # texts longer than this (old and new together) are shown on lines of their own


class Trouble(Exception):
    """A side of the comparison that cannot be read: exit 2, with this message."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``diff`` sub-command to the ``ivr`` command line."""
    parser = subparsers.add_parser(
        "diff",
        help="what callers would notice between two versions of a menu",
        description=(
            "Compare two versions of a menu as a phone line, per language: options added, removed or moved, "
            "targets changed, prompts and guidance reworded (old and new text), hotline numbers and hours, "
            "nodes added or removed, new problems. OLD and NEW are files or git:REV:path. Exit status: 0 "
            "nothing a caller would notice changed, 1 something did, 2 a side cannot be read."
        ),
    )
    parser.add_argument("old", metavar="OLD", help="the menu before: a file, or git:REV:path")
    parser.add_argument("new", metavar="NEW", help="the menu after: a file, or git:REV:path")
    parser.add_argument("-f", "--format", choices=FORMATS, default="text", help="text (default) or markdown")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="ivr-diff-") as scratch:
        try:
            old_path = resolve(args.old, Path(scratch) / "old")
            new_path = resolve(args.new, Path(scratch) / "new")
        except Trouble as exc:
            print(f"ivr diff: {exc}", file=sys.stderr)
            return EXIT_TROUBLE
        old_tree, old_problems = check_menu(old_path)
        new_tree, new_problems = check_menu(new_path)
        if old_tree is None and new_tree is None:
            print(f"ivr diff: neither {args.old} nor {args.new} can be read as a menu (ivr validate)", file=sys.stderr)
            return EXIT_TROUBLE
        changes = compare(old_tree, new_tree, old_problems, new_problems)
    languages = list(new_tree.language_codes if new_tree else old_tree.language_codes)  # type: ignore[union-attr]
    render = markdown if args.format == "markdown" else text
    sys.stdout.write(render(changes, args.old, args.new, languages))
    return EXIT_CHANGED if changes else EXIT_SAME


def resolve(spec: str, scratch: Path) -> Path:
    """A file to read for ``spec``: the file itself, or ``git:REV:path`` written out under ``scratch``."""
    if not spec.startswith("git:"):
        path = Path(spec)
        if not path.is_file():
            raise Trouble(f"{spec}: no such file")
        return path
    rev, sep, path = spec.removeprefix("git:").partition(":")
    if not sep or not rev or not path:
        raise Trouble(f"{spec}: write a file in git as git:REV:path, e.g. git:HEAD:menus/wallet.yaml")
    try:
        shown = subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Trouble(f"{spec}: cannot run git: {exc}") from exc
    if shown.returncode != 0:
        raise Trouble(f"{spec}: {shown.stderr.decode('utf-8', 'replace').strip() or 'git show failed'}")
    scratch.mkdir(parents=True, exist_ok=True)
    target = scratch / Path(path).name
    target.write_bytes(shown.stdout)
    return target


def _groups(changes: list[Change], languages: list[str]) -> list[tuple[str | None, list[Change]]]:
    """Every language first, then each of the menu's languages in its order."""
    order = [None, *languages, *sorted({c.lang for c in changes if c.lang and c.lang not in languages})]
    return [(lang, [c for c in changes if c.lang == lang]) for lang in order if any(c.lang == lang for c in changes)]


def _count(changes: list[Change]) -> str:
    return "1 change" if len(changes) == 1 else f"{len(changes)} changes"


def _at(change: Change) -> str:
    return f" (line {change.line})" if change.line else ""


def _long(change: Change) -> bool:
    return change.old is not None and change.new is not None and len(change.old) + len(change.new) > LONG


def text(changes: list[Change], old: str, new: str, languages: list[str]) -> str:
    """For a terminal: one line per change, long rewordings as - old / + new lines below it."""
    if not changes:
        return f"{old} → {new}: nothing a caller would notice changed\n"
    lines = [f"{old} → {new}: {_count(changes)} a caller would notice"]
    for lang, group in _groups(changes, languages):
        lines += ["", lang or "every language"]
        for change in group:
            if _long(change):
                lines += [f"  {change.where}: {change.what}{_at(change)}", f"    - {change.old}", f"    + {change.new}"]
            else:
                lines.append(f"  {change.summary()}{_at(change)}")
    return "\n".join(lines) + "\n"


def markdown(changes: list[Change], old: str, new: str, languages: list[str]) -> str:
    """For a pull-request comment: a heading, then a list per language."""
    lines = [f"### What callers would notice: `{old}` → `{new}`", ""]
    if not changes:
        return "\n".join([*lines, "Nothing a caller would notice changed."]) + "\n"
    lines += [f"{_count(changes)}.", ""]
    for lang, group in _groups(changes, languages):
        lines += [f"**{lang or 'Every language'}**", ""]
        for change in group:
            head = f"- `{change.where}`: {change.what}{_at(change)}"
            if change.old is not None and change.new is not None:
                lines += [head, f"  - before: {_md(change.old)}", f"  - after: {_md(change.new)}"]
            elif change.new is not None or change.old is not None:
                lines.append(f"{head}: {_md(change.new if change.new is not None else change.old or '')}")
            else:
                lines.append(head)
        lines.append("")
    return "\n".join(lines)


def _md(value: str) -> str:
    """Text that Markdown shows as written: no accidental emphasis, links or HTML."""
    for char in "\\`*_[]<>|#":
        value = value.replace(char, "\\" + char)
    return value
