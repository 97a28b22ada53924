"""`ivr calls`, `ivr calls show CALLSID`, `ivr calls purge`: the calls in the store.

``ivr calls`` lists recent calls, one line each (time, language, caller masked to the last four
digits, path, outcome); ``--json`` gives the full records. ``show`` is one call's journey as a
timeline. ``purge`` deletes calls older than ``RETENTION_DAYS`` (default 90), their events and
messages, keeping calls whose message nobody has handled yet unless ``--include-unhandled``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from ivr.commands.store_options import add_store_options, open_store, parse_day, settings_of, when
from ivr.store import queries
from ivr.store.privacy import mask_number


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("calls", help="recent calls in the call store; show one; purge old ones")
    add_store_options(parser)
    parser.add_argument("--limit", type=int, default=20, help="how many of the most recent calls (default 20)")
    parser.add_argument("--since", type=parse_day, help="only calls since this day or ISO time (UTC if naive)")
    parser.add_argument("--json", action="store_true", help="one JSON array of call records")
    parser.set_defaults(func=run_list)
    actions = parser.add_subparsers(dest="calls_command", metavar="ACTION")
    show = actions.add_parser("show", help="one call's journey as a timeline")
    show.add_argument("call_sid", metavar="CALLSID", help="the call's SID (a unique prefix is enough)")
    show.add_argument("--json", action="store_true", help="the call and its events as JSON")
    add_store_options(show)
    show.set_defaults(func=run_show)
    purge = actions.add_parser("purge", help="delete calls older than RETENTION_DAYS")
    purge.add_argument("--days", type=int, help="override RETENTION_DAYS")
    purge.add_argument("--include-unhandled", action="store_true", help="also delete calls with unhandled messages")
    add_store_options(purge)
    purge.set_defaults(func=run_purge)


def run_list(args: argparse.Namespace) -> int:
    engine = open_store(args, "calls")
    if engine is None:
        return 1
    with engine.connect() as connection:
        found = queries.recent_calls(connection, limit=args.limit, since=args.since, now=datetime.now(UTC))
    if args.json:
        print(json.dumps([c.as_json() for c in found], ensure_ascii=False, indent=2))
        return 0
    if not found:
        print("no calls in the store yet")
        return 0
    for call in found:
        path = " > ".join(call.path) or "-"
        print(f"{when(call.started_at)}  {call.language or '-':<6} {mask_number(call.from_number):<9} {call.call_sid}  "
              f"{path}  [{call.outcome}]")  # fmt: skip
    return 0


def run_show(args: argparse.Namespace) -> int:
    engine = open_store(args, "calls show")
    if engine is None:
        return 1
    with engine.connect() as connection:
        found = queries.call_with_events(connection, args.call_sid, now=datetime.now(UTC))
    if found is None:
        sys.stderr.write(f"ivr calls show: no call {args.call_sid!r} in the store (or the prefix is not unique)\n")
        return 1
    call, journey = found
    if args.json:
        events = [{k: _plain(v) for k, v in e.items() if v not in (None, {}) and k != "call_sid"} for e in journey]
        print(json.dumps({"call": call.as_json(), "events": events}, ensure_ascii=False, indent=2))
        return 0
    print(f"call {call.call_sid}  from {call.from_number or '-'}  to {call.to_number or '-'}")
    seconds = call.duration_s if call.duration_s is not None else "-"
    status = call.call_status or ("no status came" if call.over_unreported else "no status yet")
    print(f"  started {when(call.started_at)}, language {call.language or '-'}; ended {when(call.ended_at)} "
          f"({status}, {seconds} s)")  # fmt: skip
    print(f"  outcome: {call.outcome}")
    start = journey[0]["at"] if journey else None
    for event in journey:
        offset = (event["at"] - start).total_seconds() if start else 0.0
        print(f"  {when(event['at'])} +{offset:>5.0f}s  {describe(event)}")
    return 0


def run_purge(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    days = args.days if args.days is not None else settings.retention_days
    if days < 1:
        sys.stderr.write("ivr calls purge: --days / RETENTION_DAYS must be at least 1\n")
        return 2
    engine = open_store(args, "calls purge")
    if engine is None:
        return 1
    before = queries.cutoff(datetime.now(UTC), days)
    with engine.begin() as connection:
        done = queries.purge(connection, before, include_unhandled=args.include_unhandled)
    print(f"purged {done.calls} calls ({done.events} events, {done.messages} messages) last active before "
          f"{when(before)}")  # fmt: skip
    if done.kept_unhandled:
        print(f"kept {done.kept_unhandled} older calls whose messages are not handled yet (--include-unhandled)")
    return 0


def describe(event: dict[str, Any]) -> str:
    """One event as a line of the timeline."""
    kind, node = event["kind"], event.get("node") or "-"
    if kind == "start":
        return f"call started at {node} ({event.get('language')})"
    if kind == "enter":
        return f"entered {node}"
    if kind == "input":
        heard = f"key {event['value']}" if event.get("input_mode") == "dtmf" else f"said {event.get('value')!r}"
        if event.get("confidence") is not None:
            heard += f" (confidence {event['confidence']:.2f})"
        meant = event.get("choice") or f"no match (attempt {event.get('attempt')})"
        return f"{heard} at {node} -> {meant}"
    if kind == "no_input":
        return f"no input at {node} (attempt {event.get('attempt')})"
    if kind == "reprompt":
        return f"reprompt at {node} after {event.get('status')} {event.get('attempt')}"
    if kind == "fallback":
        return f"fallback from {node} after {event.get('status')} -> {event.get('target') or 'goodbye'}"
    if kind == "language":
        return f"language {event.get('language')}"
    if kind == "closed":
        return f"{event.get('hotline')} is closed (at {node})"
    if kind == "transfer":
        return f"transfer to {event.get('hotline')} ({event.get('target')})"
    if kind == "dial":
        return f"transfer to {event.get('hotline')} ended: {event.get('status')}, {event.get('duration_s', '-')} s"
    if kind == "record":
        return f"recording a message at {node}"
    if kind == "recorded":
        return f"message recorded, {event.get('duration_s', '-')} s"
    if kind == "message":
        return f"recording {event.get('status')}: {event.get('value') or '-'}"
    if kind == "hangup":
        return "the line ended the call"
    if kind == "end":
        return f"call {event.get('status')} ({event.get('duration_s', '-')} s)"
    if kind == "error":
        return f"service error at {node}: apologised, back to the main menu"
    return f"{kind} {node}"


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
