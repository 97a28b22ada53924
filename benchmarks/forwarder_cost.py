"""The host forwarder's CPU per record: what storing one webhook costs beside the workers.

    .venv/bin/python benchmarks/forwarder_cost.py [--calls 1000] [--per-pass 150,600] [--before REF] [--json]

The records are real: the webhook mix of ``benchmarks/harness.py`` (``--calls`` calls, each ended
by its status callback) is answered once in-process by the service with the call store on, and
what it spooled is kept. Then, for each ``--per-pass`` figure B, a fresh SQLite store is fed the
way the host's forwarder is under load: two live spool files (two workers) get the records in
turn, and after every B records one ``Forwarder.flush`` (with ``follow_live``, as
``ivr.store.host_forwarder`` runs it) moves them into the database, digests of ended calls
included. The CPU of the flushes (this thread's) over the records is printed, with the number of
passes. At 600 req/s and the default ``SPOOL_FORWARD_MS`` of 250, a pass finds about 150 records.

``--before REF`` measures the same records with the forwarder of commit REF (a temporary worktree,
in a subprocess), alternately with this tree's, so that a change is shown against the code before
it in one run, on the same records.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ROUNDS = 3


def spooled_records(calls: int) -> list[dict]:
    """The records the service spools for the mix (answered in-process, forwarding held off)."""
    sys.path.insert(0, str(HERE))
    from harness import MENU, service_settings, webhook_mix  # the mix, as benchmarks/webhooks.py sends it

    from ivr.web import create_app

    with tempfile.TemporaryDirectory(prefix="fwd-cost-", dir=ROOT / "var") as folder:
        spool_dir = Path(folder) / "spool"
        app = create_app({
            **service_settings(MENU, ROOT / "audio"), "DATABASE_URL": f"sqlite:///{folder}/replay.db",
            "SPOOL_DIR": str(spool_dir), "SPOOL_SYNC": "false", "SPOOL_FORWARDER": "thread",
            "SPOOL_FORWARD_MS": "60000",
        })  # fmt: skip
        logging.getLogger("ivr").setLevel(logging.ERROR)
        client = app.test_client()
        for hook in webhook_mix(calls=calls):
            client.post(hook.path, data=hook.body, content_type="application/x-www-form-urlencoded",
                        headers={"X-Twilio-Signature": hook.signature})  # fmt: skip
        lines = [line for f in sorted(spool_dir.glob("*.jsonl")) for line in f.read_bytes().splitlines()]
    return [json.loads(line) for line in lines if line.strip()]


def measure(records_file: Path, per_pass: int) -> dict[str, float]:
    """Feed two live spool files and flush every ``per_pass`` records; CPU per record (this process's code)."""
    from ivr.store.database import open_engine
    from ivr.store.forwarder import Forwarder
    from ivr.store.migrate import upgrade
    from ivr.store.spool import SpoolWriter

    records = [json.loads(line) for line in records_file.read_bytes().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory(prefix="fwd-cost-", dir=Path.cwd() / "var") as folder:
        engine = open_engine(f"sqlite:///{folder}/store.db")
        upgrade(engine)
        writers = [SpoolWriter(Path(folder) / "spool", sync=False) for _ in range(2)]
        forwarder = Forwarder(engine, Path(folder) / "spool", follow_live=True)
        cpu = 0.0
        for start in range(0, len(records), per_pass):
            for i, record in enumerate(records[start : start + per_pass]):
                writers[i % 2].write(record)
            began = time.thread_time()
            forwarder.flush()
            cpu += time.thread_time() - began
        engine.dispose()
    return {"cpu_us_per_record": cpu / len(records) * 1e6, "passes": -(-len(records) // per_pass),
            "events": forwarder.forwarded}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--per-pass", default="150,600", help="records a forwarder pass finds, comma-separated")
    parser.add_argument("--before", help="also measure the forwarder of this commit (same records, same run)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--measure", nargs=2, metavar=("RECORDS", "B"), help=argparse.SUPPRESS)  # the subprocess
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), int(args.measure[1]))))
        return 0
    (ROOT / "var").mkdir(exist_ok=True)
    sizes = [int(x) for x in args.per_pass.split(",")]
    with tempfile.TemporaryDirectory(prefix="fwd-cost-") as tmp:
        records_file = Path(tmp) / "records.jsonl"
        records = spooled_records(args.calls)
        records_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        trees = {"this tree": ROOT}
        sys.path.insert(0, str(HERE))
        from harness import checkout

        with checkout(args.before) if args.before else contextlib.nullcontext() as before:
            if before is not None:
                trees[args.before] = before
            results: dict[str, dict[int, list[dict[str, float]]]] = {n: {b: [] for b in sizes} for n in trees}
            for _ in range(ROUNDS):
                for size in sizes:
                    for name, tree in trees.items():  # alternately: drift on a shared machine hits both alike
                        env = {**os.environ, "PYTHONPATH": str(tree)}
                        (tree / "var").mkdir(exist_ok=True)
                        done = subprocess.run(
                            [sys.executable, __file__, "--measure", str(records_file), str(size)],
                            env=env,
                            cwd=tree,
                            capture_output=True,
                            text=True,
                            check=True,
                        )
                        results[name][size].append(json.loads(done.stdout.splitlines()[-1]))
    report = {
        "records": len(records), "load": round(os.getloadavg()[0], 2),
        "cpu_us_per_record": {n: {str(b): round(statistics.median(r["cpu_us_per_record"] for r in runs), 1)
                                  for b, runs in by.items()} for n, by in results.items()},
    }  # fmt: skip
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{len(records)} records of the {args.calls}-call mix; median of {ROUNDS} rounds; load {report['load']}")
    for name, by in report["cpu_us_per_record"].items():
        print(f"{name:>12}: " + ", ".join(f"{us:.0f} us/record at {b} a pass" for b, us in by.items()))
    if args.before:
        for b in map(str, sizes):
            ratio = report["cpu_us_per_record"]["this tree"][b] / report["cpu_us_per_record"][args.before][b]
            print(f"this tree / {args.before} at {b} a pass: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
