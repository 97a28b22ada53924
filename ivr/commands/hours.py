"""`ivr hours [FILE…] [--date D | --week D] [--lang L]`: each hotline's hours on a date, and what callers hear.

For checking an edit of the hours before it goes live (a holiday, a make-up working day): per
hotline, whether it is open that day and when, where those hours come from (the weekly pattern or
the ``dates`` list), and, for each open or closed stretch of the day, what a caller who asks for it
is told, in each language, through the call flow itself (``ivr.call.schedule``). ``--week D`` lists
the hours of the seven days from D, a line a day. Dates are on each hotline's own clock (its time
zone); without a date, today there.

Exit status: 0 shown, 1 a file has errors (they are printed: the hours of a file that cannot be
served are not what callers get), 2 bad usage (no such file, a date not written YYYY-MM-DD, a
language the file does not have).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from ivr.call.checks import check_menu
from ivr.call.hours import zone
from ivr.call.schedule import HotlineDay, clock, hotline_day, ranges_text
from ivr.call.sentences import join
from ivr.commands.validate import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, default_files, format_diagnostic
from ivr.menu.model import Tree

WEEK = 7


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``hours`` sub-command to the ``ivr`` command line."""
    parser = subparsers.add_parser(
        "hours",
        help="each hotline's hours on a date, and what a caller asking for it is told",
        description=(
            "Show, per hotline, whether it is open on a date and when (weekly hours or a dated exception), "
            "and what a caller asking for it hears in each stretch of the day. --week D: the hours of the "
            "seven days from D. Dates are YYYY-MM-DD on the hotline's own clock; default: today there. "
            "Exit status: 0 shown, 1 the file has errors, 2 bad usage."
        ),
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="menu files (default: menus/*.yaml)")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--date", metavar="D", type=_date, help="one day, YYYY-MM-DD (default: today)")
    when.add_argument("--week", metavar="D", type=_date, help="the seven days from D, YYYY-MM-DD")
    parser.add_argument("--lang", action="append", metavar="LANG", help="only these languages (repeatable)")
    parser.set_defaults(func=run)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written YYYY-MM-DD") from None


def run(args: argparse.Namespace, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> int:
    return show_hours(args.files, on=args.date, week=args.week, langs=args.lang, now=now())


def show_hours(
    files: Sequence[str | Path],
    *,
    on: date | None = None,
    week: date | None = None,
    langs: Sequence[str] | None = None,
    now: datetime | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print the hours of every hotline of each file; ``now`` (aware) decides "today" when no date is given."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    now = now or datetime.now(UTC)
    paths = [Path(f) for f in files] if files else default_files()
    if not paths:
        print("ivr hours: no menu files in menus/ (run it from the project folder, or name the files)", file=err)
        return EXIT_USAGE
    result = EXIT_OK
    for path in paths:
        if not path.is_file():
            print(f"ivr hours: {path}: no such file", file=err)
            return EXIT_USAGE
        tree, diagnostics = check_menu(path)
        errors = [d for d in diagnostics if d.severity == "error"]
        if tree is None or errors:
            for diagnostic in errors:
                print(format_diagnostic(diagnostic), file=err)
            print(f"ivr hours: {path} has errors; fix them first (ivr validate {path})", file=err)
            result = EXIT_PROBLEMS
            continue
        chosen = list(langs or tree.language_codes)
        unknown = [lang for lang in chosen if lang not in tree.languages]
        if unknown:
            print(f"ivr hours: {path} has no language {', '.join(unknown)} ({', '.join(tree.languages)})", file=err)
            return EXIT_USAGE
        if not tree.hotlines:
            print(f"{path}: no hotlines", file=out)
            continue
        for hotline_id in tree.hotlines:
            if week is not None:
                _week(tree, hotline_id, week, out)
            else:
                _day(tree, hotline_id, on or _today(tree, hotline_id, now), chosen, out)
    return result


def _today(tree: Tree, hotline_id: str, now: datetime) -> date:
    hours = tree.hotlines[hotline_id].hours
    return now.astimezone(zone(hours.timezone)).date() if hours else now.date()


def _heading(tree: Tree, hotline_id: str) -> str:
    hotline = tree.hotlines[hotline_id]
    where = f", {hotline.hours.timezone}" if hotline.hours else ""
    return f"{hotline_id}: {hotline.name.get(tree.default_language)} {hotline.number_display}{where}"


def _when(day: HotlineDay) -> str:
    source = " (from dates)" if day.special else ""
    state = "closed all day" if day.ranges == () else ranges_text(day.ranges)
    return f"{day.day.isoformat()} {day.day.strftime('%a')}: {state}{source}"


def _day(tree: Tree, hotline_id: str, on: date, langs: list[str], out: TextIO) -> None:
    day = hotline_day(tree, hotline_id, on, langs)
    print(_heading(tree, hotline_id), file=out)
    print(f"  {_when(day)}", file=out)
    for stretch in day.stretches:
        state = "open" if stretch.open else "closed"
        print(f"  {clock(stretch.start)}-{clock(stretch.end)} {state}, a caller hears:", file=out)
        for lang in langs:
            print(f"    {lang}: {join(list(stretch.told[lang]))}", file=out)
    print(file=out)


def _week(tree: Tree, hotline_id: str, first: date, out: TextIO) -> None:
    print(_heading(tree, hotline_id), file=out)
    for offset in range(WEEK):
        day = hotline_day(tree, hotline_id, first + timedelta(days=offset), langs=[tree.default_language])
        print(f"  {_when(day)}", file=out)
    print(file=out)
