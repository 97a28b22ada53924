"""`ivr messages` and `ivr messages handle ID`: the inbox of messages callers left after hours.

A message is listed once Twilio has reported its recording complete, with the caller's number
(for the callback), the hotline they wanted, the language, when, how long, and the recording URL.
``handle`` marks one done; ``--status new`` is what is still owed a callback.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from ivr.commands.store_options import add_store_options, open_store, when
from ivr.store import queries


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("messages", help="messages callers left; mark one handled")
    add_store_options(parser)
    parser.add_argument("--status", choices=("new", "handled"), help="only new or only handled messages")
    parser.add_argument("--limit", type=int, default=50, help="how many of the most recent (default 50)")
    parser.add_argument("--json", action="store_true", help="one JSON array of messages")
    parser.set_defaults(func=run_list)
    actions = parser.add_subparsers(dest="messages_command", metavar="ACTION")
    handle = actions.add_parser("handle", help="mark a message handled (the caller was called back)")
    handle.add_argument("message_id", metavar="ID", type=int)
    add_store_options(handle)
    handle.set_defaults(func=run_handle)


def run_list(args: argparse.Namespace) -> int:
    engine = open_store(args, "messages")
    if engine is None:
        return 1
    with engine.connect() as connection:
        found = queries.list_messages(connection, status=args.status, limit=args.limit)
    if args.json:
        print(json.dumps([queries.message_json(m) for m in found], ensure_ascii=False, indent=2))
        return 0
    if not found:
        print("no messages" + (f" with status {args.status}" if args.status else ""))
        return 0
    for m in found:
        caller, hotline, lang = m["caller"] or "(unknown caller)", m["hotline"] or "-", m["language"] or "-"
        print(f"#{m['id']:<5} {m['status']:<8} {when(m['recorded_at'])}  {caller:<16} {hotline:<10} {lang:<6} "
              f"{m['duration_s'] or 0:>4} s  {m['recording_url']}")  # fmt: skip
    return 0


def run_handle(args: argparse.Namespace) -> int:
    engine = open_store(args, "messages handle")
    if engine is None:
        return 1
    with engine.begin() as connection:
        done = queries.handle_message(connection, args.message_id, datetime.now(UTC))
    if not done:
        sys.stderr.write(f"ivr messages handle: there is no message #{args.message_id}\n")
        return 1
    print(f"message #{args.message_id} marked handled")
    return 0
