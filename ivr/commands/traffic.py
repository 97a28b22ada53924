"""``ivr simulate --calls N [--seed S]``: a week of realistic calls to this project's app.

The report and the console need traffic to show; this places ``N`` real calls through the
simulator to the in-process app (so they reach the call store like any other call), each at
its own moment of the chosen week, with the caller mix of :mod:`ivr.traffic`. The same seed
gives the same calls.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TextIO

from ivr.menu.diagnostics import ConfigError
from ivr.simulator import Simulator
from ivr.traffic import TrafficClock, place_calls

STATUS_PATH = "/voice/status"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The traffic options of ``ivr simulate``."""
    parser.add_argument("--calls", type=int, metavar="N", help="place N simulated calls (in-process) and exit")
    parser.add_argument("--seed", type=int, default=1, help="with --calls: the seed of the caller mix (default 1)")
    parser.add_argument(
        "--since",
        help="with --calls: the first day of the week the calls fall in (ISO date; default: the 7 days before now)",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Place ``args.calls`` calls; print a line per outcome. Exit 0 when no call met a problem."""
    from ivr.web import create_app  # the command chooses the project's app and hands it to the simulator

    if args.url:
        err.write("ivr simulate: --calls only works without a URL: it sets the in-process app's clock for each call\n")
        return 2
    if not 1 <= args.calls <= 1_000_000:
        err.write("ivr simulate: --calls takes a whole number from 1 to 1000000\n")
        return 2
    try:
        since = _since(args.since)
    except ValueError as exc:
        err.write(f"ivr simulate: {exc}\n")
        return 2
    settings: dict[str, str] = {"USE_AUDIO": "false"}
    # Simulated callers reach the transfers as a live line's do: through $SIP_TRUNK_HOST, or a stand-in
    # host (``trunk.invalid``, a name reserved never to resolve, RFC 2606) when it is unset, as
    # ``ivr paths`` does; the simulator answers the <Dial>, never the network.
    settings["SIP_TRUNK_HOST"] = os.environ.get("SIP_TRUNK_HOST") or "trunk.invalid"
    if args.menu:
        settings["MENU_FILE"] = args.menu
    if args.auth_token:
        settings["TWILIO_AUTH_TOKEN"] = args.auth_token
    clock = TrafficClock()
    try:
        app = create_app(settings, clock=clock)
    except ConfigError as exc:
        err.write(f"ivr simulate: {exc}\n")
        return 1
    tree = app.extensions["ivr"]["menu"].current()  # the tree the app serves: the callers' choices follow it
    simulator = Simulator(
        app,
        auth_token=args.auth_token,
        to=args.to,
        base_url=args.base_url,
        status_callback=STATUS_PATH,
        strict=False,
        seed=args.seed,
    )
    calls = place_calls(simulator, tree, clock, args.calls, seed=args.seed, since=since)
    ends = Counter(c.end for c in calls)
    problems = sum(c.problems for c in calls)
    first, last = calls[0].at, calls[-1].at
    out.write(f"Placed {len(calls)} calls, {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC (seed {args.seed})\n")
    for end, count in ends.most_common():
        out.write(f"  {count:>6}  {end}\n")
    out.write(f"{problems} problem(s)\n")
    return 0 if problems == 0 else 1


def _since(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC) - timedelta(days=7)
    try:
        day = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since {text!r} is not an ISO date such as 2026-11-23") from None
    return day if day.tzinfo else day.replace(tzinfo=UTC)
