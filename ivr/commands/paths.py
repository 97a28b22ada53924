"""`ivr paths [--menu FILE] [--json OUT] [--max-calls N] [--budget SECONDS]`: call every path of a menu.

A thin adapter over ``ivr.coverage``: check the file, walk it through the simulator against this
project's app (chosen here, :func:`project_app`, and handed to the explorer: in-process, prompts as
``<Say>`` unless ``--audio-dir`` names built audio), print the
coverage table and every finding with the ``ivr simulate`` command that reproduces it. CI gates on the
exit status: 0 everything reached and no error; 1 an error (TwiML problem, HTTP failure, dead end,
loop with no exit, a key that leads elsewhere than the tree says), a node or option never reached, a
menu with errors, or a bound hit before the walk was complete; 2 a usage mistake (no such file).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from ivr.call.checks import check_menu
from ivr.commands.validate import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, format_diagnostic
from ivr.coverage import GROUPS, AppFactory, Moment, Report, describe_moment, explore
from ivr.menu.model import Tree

DEFAULT_MENU = "menus/wallet.yaml"
DEFAULT_BUDGET = 600.0
LABELS = {
    "nodes": "nodes visited",
    "options": "options taken",
    "no-input cap": "no-input cap → fallback",
    "no-match cap": "no-match cap → fallback",
    "dial outcomes": "dial outcomes",
    "after hours": "after hours",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``paths`` sub-command to the ``ivr`` command line."""
    parser = subparsers.add_parser(
        "paths",
        help="call every path of a menu through the simulator and report coverage",
        description=(
            "Walk every reachable path of a menu through the Twilio simulator against this project's app: every "
            "key, silence and speech hint at every wait, each dial outcome, a message after hours, both languages, "
            "at an instant when the hotlines are open and one when they are closed. Prints what was covered and "
            "every problem with the 'ivr simulate' command that reproduces it. Exit status: 0 complete and clean, "
            "1 a problem, something never reached or a bound hit, 2 bad usage."
        ),
    )
    parser.add_argument("--menu", default=DEFAULT_MENU, help=f"the menu file (default: {DEFAULT_MENU})")
    parser.add_argument("--json", metavar="OUT", help="also write the whole report as JSON")
    parser.add_argument("--max-calls", type=int, metavar="N", help="stop after N simulated calls (forks included)")
    parser.add_argument(
        "--budget",
        type=float,
        default=DEFAULT_BUDGET,
        metavar="SECONDS",
        help=f"stop after this much wall-clock time (default: {DEFAULT_BUDGET:g})",
    )
    parser.add_argument(
        "--strategy",
        choices=("fork", "replay"),
        default="fork",
        help="reach a wait by forking the parked call (default, cheaper) or by replaying its inputs on a new call",
    )
    parser.add_argument(
        "--all-trails",
        action="store_true",
        help="also explore waits that differ from an explored one only in the way back (trail=); much slower",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=_cores(),
        metavar="N",
        help="share the walk among N processes (default: one per CPU this process may use)",
    )
    parser.add_argument("--audio-dir", help="explore with this folder of built prompts (default: none, all <Say>)")
    parser.set_defaults(func=run)


def _cores() -> int:
    """The CPUs this process may run on (a container or taskset may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point of the sub-command; returns the exit code."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    path = Path(args.menu)
    if not path.is_file():
        print(f"ivr paths: {path}: no such file", file=err)
        return EXIT_USAGE
    if args.max_calls is not None and args.max_calls < 1:
        print("ivr paths: --max-calls must be at least 1", file=err)
        return EXIT_USAGE
    tree, diagnostics = check_menu(path)
    errors = [d for d in diagnostics if d.severity == "error"]
    if tree is None or errors:
        for diagnostic in errors:
            print(format_diagnostic(diagnostic), file=err)
        print(f"ivr paths: {path} has errors; fix them first (ivr validate {path})", file=err)
        return EXIT_PROBLEMS
    with tempfile.TemporaryDirectory(prefix="ivr-paths-") as no_audio:
        report = explore(
            tree,
            project_app(str(path), args.audio_dir or no_audio),
            strategy=args.strategy,
            max_calls=args.max_calls,
            budget_seconds=args.budget,
            all_trails=args.all_trails,
            jobs=args.jobs,
        )
    out.write(render(report, tree, str(path)))
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return EXIT_OK if report.ok and not report.stats.bound else EXIT_PROBLEMS


def project_app(menu_file: str, audio_dir: str) -> AppFactory:
    """This project's app for one menu, its clock stopped at the moment.

    Signatures are off (whatever the environment says): checking them was a fifth of the walk's
    time, and the simulator's own tests cover them. Its "development mode" warning is expected here.
    ``route: sip`` transfers go to $SIP_TRUNK_HOST, or to a stand-in host (``trunk.invalid``, a name
    reserved never to resolve, RFC 2606) when it is unset: the walk is about the menu's paths, and
    the transfers must be reached as they are in production (where the trunk is required).
    """
    from ivr.web import create_app  # on use, as in serve: every command module is imported at start

    def make(moment: Moment) -> Any:
        settings = {"MENU_FILE": menu_file, "AUDIO_DIR": audio_dir, "TWILIO_AUTH_TOKEN": "", "IVR_ENV": "development"}
        settings |= {"PUBLIC_BASE_URL": "", "TRUSTED_PROXIES": "0"}
        settings["SIP_TRUNK_HOST"] = os.environ.get("SIP_TRUNK_HOST") or "trunk.invalid"
        settings["CALL_STORE"] = "false"  # a walk of every path is not calls: it must not fill the call store
        web_log = logging.getLogger("ivr.web")
        level = web_log.level
        web_log.setLevel(logging.ERROR)
        try:
            return create_app(settings, clock=lambda: moment.at)
        finally:
            web_log.setLevel(level)

    return make


def render(report: Report, tree: Tree, menu: str) -> str:
    """The coverage table, what was not covered, and every finding with its reproduction."""
    lines = [f"ivr paths: {menu}, every path called through the simulator"]
    for moment in report.moments:
        closed = f"closed: {', '.join(sorted(moment.closed))}" if moment.closed else "every hotline open"
        lines.append(f"  {moment.name:<9} {describe_moment(moment, tree)}   {closed}")
    for hotline, note in report.hotline_notes.items():
        if "both" not in note:
            lines.append(f"  {hotline}: {note}")
    langs = report.languages
    lines += ["", f"  {'coverage':<28}" + "".join(f"{lang:>16}" for lang in langs)]
    for group in GROUPS:
        cells = []
        for lang in langs:
            covered, total, na = report.tally(group, lang)
            cell = f"{covered}/{total}" + (f" ({na} n/a)" if na else "")
            cells.append(f"{cell:>16}")
        lines.append(f"  {LABELS[group]:<28}" + "".join(cells))
    stats = report.stats
    lines += [
        "",
        f"  {'waiting points explored':<28}{stats.explored} of {stats.waiting_points} reached"
        + (f" ({stats.variants} differ from an explored one only in trail=; --all-trails)" if stats.variants else ""),
        f"  {'calls':<28}{stats.calls} ({stats.placed} placed, {stats.forked} forked)",
        f"  {'requests':<28}{stats.requests}",
        f"  {'time':<28}{stats.seconds:.1f} s",
    ]
    if stats.bound:
        left = stats.waiting_points - stats.explored
        lines.append(f"  BOUND HIT: {stats.bound}; {left} waiting point(s) not explored, the walk is incomplete")
    lines.append("")
    missing = report.missing
    if missing:
        lines.append(f"not covered ({len(missing)}):")
        for group in GROUPS:
            chosen = [i for i in missing if i.group == group]
            if chosen:
                lines.append(f"  {group}: " + ", ".join(f"{i.id} ({i.lang})" for i in chosen))
    else:
        lines.append("not covered: nothing")
    if report.findings:
        for finding in report.findings:
            times = f" ({finding.count}×)" if finding.count > 1 else ""
            lines.append(f"{finding.severity.upper()} {finding.kind}{times}: {finding.message}")
            if finding.url:
                lines.append(f"    at {finding.url}")
            script = shlex.quote(finding.script)
            lines.append(f"    reproduce: ivr simulate --menu {shlex.quote(menu)} --at {finding.at} --script {script}")
    else:
        lines.append("problems: none")
    if report.ok and not stats.bound:
        lines.append("OK: every node and option reached, no problems")
    elif report.ok:
        lines.append("INCOMPLETE: no problems so far, but the walk stopped at a bound")
    else:
        lines.append("FAILED")
    return "\n".join(lines) + "\n"
