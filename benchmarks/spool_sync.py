"""What making one webhook's record durable costs, three ways, on the repository's disk.

    .venv/bin/python benchmarks/spool_sync.py [--records 2000] [--work-us 500] [--json]

Each way writes ``--records`` spool-sized lines (one record of ``benchmarks/harness.py``'s mix, as
``ivr.store.spool`` writes it) to a fresh file in ``var/`` and, between records, does
``--work-us`` of pure-Python work, as a worker renders an answer between two records:

* **O_DSYNC write**: the file opened ``O_DSYNC``; ``write`` returns once the line is on the
  device (cheapest for one request at a time, but concurrent writers cannot share a flush);
* **write + fdatasync**: a plain ``write``, then ``os.fdatasync`` in the same thread (what
  ``SpoolWriter`` does with ``SPOOL_SYNC``: threads waiting at once share one flush);
* **fdatasync in a thread**: the ``write``, then the flush handed to a thread while the caller does
  its work, and waited for after it (what the spool did before: it was meant to overlap the
  flush with the rest of the request, and the two threads convoy on the GIL instead);
* **no sync**: ``write`` only (``SPOOL_SYNC=false``: survives a crash of the service, not of the
  machine).

Prints, per way, the wall time and the CPU time (user + system) per record beyond the work itself:
the median over ``ROUNDS`` rounds, each timing the way right after the work alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 10
RECORD = {
    "id": "0123456789abcdef01234567", "call": "CA" + "0123456789abcdef" * 2, "at": "2026-12-08T04:00:00+00:00",
    "ns": 1796702400000000000,
    "events": [
        {"kind": "input", "node": "main", "language": "zh-CN", "mode": "dtmf", "value": "2", "option": "payments"},
        {"kind": "enter", "node": "payments", "language": "zh-CN"},
    ],
}  # fmt: skip


def _work(us: float) -> Callable[[], None]:
    """A callable that spends about ``us`` microseconds of pure-Python CPU (calibrated here)."""
    n = 10_000
    start = time.perf_counter()
    sum(range(n))
    per = (time.perf_counter() - start) / n
    count = max(1, int(us / 1e6 / per))

    def work() -> None:
        sum(range(count))

    return work


def _measure(step: Callable[[], None], records: int) -> tuple[float, float]:
    before, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for _ in range(records):
        step()
    wall, after = time.perf_counter() - wall, resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall / records * 1e6, cpu / records * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--work-us", type=float, default=500.0, help="pure-Python work between two records")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    line = (json.dumps(RECORD, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    work = _work(args.work_us)
    (ROOT / "var").mkdir(exist_ok=True)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="spool-sync-", dir=ROOT / "var") as folder:

        def opened(name: str, extra: int = 0) -> int:
            return os.open(Path(folder) / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND | extra, 0o600)

        dsync = opened("dsync", os.O_DSYNC)
        plain = opened("plain")
        nosync = opened("nosync")
        threaded = opened("threaded")
        flushed = threading.Semaphore(0)
        wanted = threading.Semaphore(0)

        def flusher() -> None:
            while True:
                wanted.acquire()
                os.fdatasync(threaded)
                flushed.release()

        threading.Thread(target=flusher, daemon=True).start()

        def in_thread() -> None:
            os.write(threaded, line)
            wanted.release()
            work()
            flushed.acquire()

        def synchronous() -> None:
            os.write(dsync, line)
            work()

        def then_fdatasync() -> None:
            os.write(plain, line)
            os.fdatasync(plain)
            work()

        def unsynced() -> None:
            os.write(nosync, line)
            work()

        ways: dict[str, Callable[[], None]] = {
            "O_DSYNC write": synchronous, "write + fdatasync": then_fdatasync, "fdatasync in a thread": in_thread,
            "no sync": unsynced,
        }  # fmt: skip
        # In rounds, each way right after the work alone: drift on a shared machine hits both alike.
        rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
        per_round = max(1, args.records // ROUNDS)
        for _ in range(ROUNDS):
            for name, step in ways.items():
                base_wall, base_cpu = _measure(work, per_round)
                wall, cpu = _measure(step, per_round)
                rounds[name].append((wall - base_wall, cpu - base_cpu))
        for name, pairs in rounds.items():
            results[name] = {"wall_us": round(statistics.median(w for w, _ in pairs), 1),
                             "cpu_us": round(statistics.median(c for _, c in pairs), 1)}  # fmt: skip
    report = {"records": args.records, "work_us": args.work_us, "load": round(os.getloadavg()[0], 2),
              "per_record_beyond_the_work": results}  # fmt: skip
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{args.records} records, {args.work_us:g} us of work between two; load average {report['load']}")
    print(f"{'way':<24}{'wall us':>9}{'CPU us':>9}   (per record, beyond the work)")
    for name, r in results.items():
        print(f"{name:<24}{r['wall_us']:>9.0f}{r['cpu_us']:>9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
