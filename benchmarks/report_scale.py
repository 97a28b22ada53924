"""``ivr report`` over 100,000 stored calls on SQLite: how long the figures take (goal: under 2 s).

Fills a fresh SQLite store (the real schema) with ``--calls`` calls of realistic shape: the language
choice, the main menu, then one of five endings (guidance heard, gave up after a silence and a
wrong key, transferred, transfer busy, after hours with a message), spread over two weeks, topics
and hotlines drawn from the shipped menu; about 8 events a call. Then times ``build_report`` for the
last week (which also reads the week before), best and median of ``--repeat`` runs, after making
the call digests (``ivr.store.digest``) as the upgrade to them does; the service keeps them as events
arrive.

    .venv/bin/python benchmarks/report_scale.py [--calls 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ivr.analytics import build_report  # noqa: E402
from ivr.call.checks import load_menu  # noqa: E402
from ivr.menu.model import InfoNode, TransferNode  # noqa: E402
from ivr.store import digest  # noqa: E402
from ivr.store.schema import calls, events, messages, metadata  # noqa: E402

END = datetime(2026, 11, 30, tzinfo=UTC)


def fill(engine, tree, count: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    topics = [n for n, node in tree.nodes.items() if isinstance(node, InfoNode)]
    transfers = [(n, node.hotline) for n, node in tree.nodes.items() if isinstance(node, TransferNode)]
    call_rows, event_rows, message_rows = [], [], []
    order = 0
    for index in range(count):
        sid = f"CA{index:032d}"
        start = END - timedelta(seconds=rng.randrange(14 * 86400))
        call_rows.append({"call_sid": sid, "from_number": "+8613800000000", "to_number": "+8657100000000",
                          "language": "zh-CN", "started_at": start, "updated_at": start})  # fmt: skip
        steps = [("start", tree.entry, {}), ("enter", tree.entry, {}),
                 ("input", tree.entry, {"input_mode": "dtmf", "value": "1", "choice": "zh-CN"}),
                 ("enter", tree.main_menu, {})]  # fmt: skip
        shape = rng.random()
        if shape < 0.45:
            steps += [("input", tree.main_menu, {"input_mode": "dtmf", "value": "1", "choice": "option 1"}),
                      ("enter", rng.choice(topics), {})]  # fmt: skip
        elif shape < 0.6:
            steps += [("no_input", tree.main_menu, {"attempt": 1}),
                      ("input", tree.main_menu, {"input_mode": "dtmf", "value": "7"})]  # fmt: skip
        else:
            node, hotline = rng.choice(transfers)
            steps += [("enter", node, {})]
            if shape < 0.9:
                status = "completed" if shape < 0.8 else "busy"
                steps += [("transfer", node, {"hotline": hotline}),
                          ("dial", node, {"hotline": hotline, "status": status})]  # fmt: skip
            else:
                steps += [("closed", node, {"hotline": hotline}), ("record", node, {"hotline": hotline}),
                          ("recorded", node, {"hotline": hotline})]  # fmt: skip
                message_rows.append({"recording_sid": f"RE{index:032d}", "call_sid": sid, "hotline": hotline,
                                     "recorded_at": start, "recording_url": "https://api.twilio.com/x"})  # fmt: skip
        steps.append(("end", None, {"status": "completed"}))
        for seq, (kind, node, columns) in enumerate(steps):
            order += 1
            event_rows.append({"id": f"{sid}{seq:02d}", "call_sid": sid, "at": start + timedelta(seconds=8 * seq),
                               "received_ns": order, "seq": 0, "kind": kind, "node": node, "input_mode": None,
                               "value": None, "choice": None, "attempt": None, "hotline": None, "status": None,
                               **columns})  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(calls), call_rows)
        connection.execute(insert(events), event_rows)
        if message_rows:
            connection.execute(insert(messages), message_rows)
    return len(event_rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tree = load_menu(ROOT / "menus" / "wallet.yaml")
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{folder}/ivr.db")
        metadata.create_all(engine)
        started = time.perf_counter()
        rows = fill(engine, tree, args.calls)
        print(f"filled {args.calls} calls, {rows} events in {time.perf_counter() - started:.1f} s")
        # fill() writes the tables directly, as a store from before digests holds them; the upgrade
        # that added them makes them once (this), and the service's ingest keeps them from then on
        started = time.perf_counter()
        with engine.begin() as connection:
            made = digest.freshen(connection)
        print(f"made {made} call digests from the events (once, at the upgrade): {time.perf_counter() - started:.1f} s")
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = build_report(engine, tree, END - timedelta(days=7), END)
            times.append(time.perf_counter() - started)
        print(f"report over the last 7 days ({report.current.calls} calls; previous {report.previous.calls}): "
              f"median {statistics.median(times):.2f} s, best {min(times):.2f} s of {args.repeat}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
