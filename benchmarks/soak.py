"""A bounded soak: the real service under a steady signed load, watched every 10 s for errors and memory.

    .venv/bin/python benchmarks/soak.py [--seconds 180] [--connections 4] [--interval 10]

Loopback only. Serves ``ivr.web:create_app()`` (``menus/wallet.yaml``, a token set, the repo's
``audio/``) under gunicorn with the benchmark settings (2 sync workers), and drives it with wrk and
the same signed webhook mix as ``benchmarks/webhooks.py``, in back-to-back runs of ``--interval``
seconds. After each run it prints the requests and errors so far, the run's req/s and p99, and each
worker's resident memory (VmRSS from /proc), so a leak shows as a column that keeps growing.

Stops by itself after ``--seconds``. Exits 1 if any request failed (connection error, timeout,
status >= 400) or a worker was replaced (a crash), else 0. The summary compares each worker's RSS
after the first interval (warm) with the last.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # the sibling module, importable however the script is started
    MENU,
    WORKER_CLASS,
    WORKERS,
    gunicorn,
    machine,
    rss_kib,
    run_wrk,
    service_settings,
    webhook_mix,
    write_lua,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=180, help="how long to soak (default 3 minutes)")
    parser.add_argument("--interval", type=float, default=10, help="seconds between reports")
    parser.add_argument("--connections", type=int, default=4, help="concurrent wrk connections (steady load)")
    parser.add_argument("--json", action="store_true", help="also print one JSON summary line at the end")
    args = parser.parse_args(argv)
    if args.seconds < args.interval or args.interval < 1:
        parser.error("--seconds must be at least --interval, and --interval at least 1")

    mix = webhook_mix(MENU)
    env = service_settings()
    print(
        f"soak: {args.seconds:g} s of {args.connections} connections against ivr.web:create_app() "
        f"({WORKERS} {WORKER_CLASS} gunicorn workers, 127.0.0.1), {len(mix)} signed webhooks in the mix"
    )
    total = errors = 0
    samples: list[dict[int, int | None]] = []
    with tempfile.TemporaryDirectory(prefix="ivr-soak-") as tmp:
        lua = write_lua(mix, Path(tmp) / "soak.lua")
        with gunicorn("ivr.web:create_app()", env) as server:
            workers = server.worker_pids()
            print(
                f"{'t (s)':>6}{'requests':>10}{'errors':>8}{'req/s':>8}{'p99 ms':>9}   RSS MiB per worker "
                + str(workers)
            )
            started = time.monotonic()
            while (elapsed := time.monotonic() - started) < args.seconds - 0.5:
                chunk = min(args.interval, args.seconds - elapsed)
                result = run_wrk(server.base, lua, seconds=chunk, connections=args.connections)
                total += result.requests
                errors += result.errors
                rss = {pid: rss_kib(pid) for pid in workers}
                samples.append(rss)
                memory = "  ".join(f"{kib / 1024:7.1f}" if kib else "   gone" for kib in rss.values())
                print(
                    f"{time.monotonic() - started:6.0f}{total:>10}{errors:>8}{result.rps:>8.0f}"
                    f"{result.p99_ms:>9.2f}   {memory}",
                    flush=True,
                )
            replaced = server.worker_pids() != workers
    first, last = samples[0], samples[-1]
    growth = {pid: ((last[pid] or 0) - (first[pid] or 0)) / 1024 for pid in workers}
    print(
        "RSS from the first sample to the last: "
        + ", ".join(f"worker {pid} {(first[pid] or 0) / 1024:.1f} -> {(last[pid] or 0) / 1024:.1f} MiB ({g:+.1f})"
                    for pid, g in growth.items())
    )  # fmt: skip
    if replaced:
        print("a worker was replaced during the soak (it crashed or was killed)")
    print(f"{total} requests, {errors} errors" + ("" if errors == 0 and not replaced else ": FAILED"))
    if args.json:
        print(
            json.dumps(
                {
                    "seconds": args.seconds,
                    "connections": args.connections,
                    "requests": total,
                    "errors": errors,
                    "workers_replaced": replaced,
                    "rss_first_mib": [round((first[p] or 0) / 1024, 1) for p in workers],
                    "rss_last_mib": [round((last[p] or 0) / 1024, 1) for p in workers],
                    "machine": machine(),
                }
            )
        )
    return 1 if errors or replaced else 0


if __name__ == "__main__":
    sys.exit(main())
