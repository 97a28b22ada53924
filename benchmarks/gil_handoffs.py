"""What a call that lets go of the GIL costs a webhook in a threaded worker.

    .venv/bin/python benchmarks/gil_handoffs.py [--calls 2000] [--json]

A gthread worker runs several webhooks in one process. A C call that releases the GIL (every
system call does, and so does CPython's one-shot ``hmac.digest``) lets another thread take it,
and the caller then waits until that thread hands it back: at a blocking call of its own, or when
the interpreter forces a switch (``sys.getswitchinterval()``, 5 ms). Each operation a webhook does
is timed here alone, then with one sibling thread that only computes (as another webhook would):
wall time per call, median of ``--rounds``. An operation that keeps the GIL costs the same either
way; one that lets go of it costs a wait for the sibling. Found with py-spy on a loaded worker,
where the one-shot HMAC of the signature check held 10 % of the samples
(docs/performance.md, "GIL hand-offs").
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from hashlib import sha1
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import MENU, machine  # noqa: E402

from ivr.web.security import TwilioSignature  # noqa: E402

URL = "https://ivr.example.com/voice/node/main/input?lang=en-US&trail=lang"
PARAMS = {
    "AccountSid": "AC" + "0" * 32, "CallSid": "CA" + "1" * 32, "From": "+15005550006", "To": "+15005550001",
    "CallStatus": "in-progress", "Direction": "inbound", "Digits": "2", "ApiVersion": "2010-04-01",
}  # fmt: skip


def operations(log_file: Path) -> dict[str, Callable[[], object]]:
    """Each per-webhook operation, as the service does it (or did, for the one-shot HMAC)."""
    signer = TwilioSignature("a-token-of-32-characters-0123456")
    payload = (URL + "".join(k + PARAMS[k] for k in sorted(PARAMS))).encode()
    logger = logging.getLogger("gil-handoffs")
    logger.propagate = False
    logger.addHandler(logging.FileHandler(log_file))
    logger.setLevel(logging.INFO)
    return {
        "signature, one-shot hmac.digest (before)": lambda: hmac.digest(b"a-token", payload, sha1),
        "signature, keyed HMAC copy, whole check (ivr.web.security)": lambda: signer.signature(URL, PARAMS),
        "os.stat (the menu file; os.lstat of each played audio file)": lambda: os.stat(MENU),
        "os.urandom(12) (a record id, before)": lambda: os.urandom(12),
        "a log line to a file": lambda: logger.info("call %s from %s", "CA123", "+1500555****"),
    }


def per_call_us(operation: Callable[[], object], calls: int, busy_sibling: bool) -> float:
    stop = threading.Event()

    def spin() -> None:
        count = 0
        while not stop.is_set():
            count += 1

    sibling = threading.Thread(target=spin, daemon=True)
    if busy_sibling:
        sibling.start()
        time.sleep(0.01)  # the sibling is running before the first call
    try:
        started = time.perf_counter()
        for _ in range(calls):
            operation()
        return (time.perf_counter() - started) / calls * 1e6
    finally:
        stop.set()
        if busy_sibling:
            sibling.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per measurement with the busy sibling")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        rows = []
        for name, operation in operations(Path(folder) / "log").items():
            alone = statistics.median(per_call_us(operation, args.calls * 20, False) for _ in range(args.rounds))
            busy = statistics.median(per_call_us(operation, args.calls, True) for _ in range(args.rounds))
            rows.append({"operation": name, "alone_us": round(alone, 2), "busy_sibling_us": round(busy, 2)})
    report = {"switch_interval_ms": sys.getswitchinterval() * 1000, "rows": rows, "machine": machine()}
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"wall time per call, alone and beside one busy thread (switch interval {report['switch_interval_ms']:g} ms)")
    for row in rows:
        ratio = row["busy_sibling_us"] / row["alone_us"] if row["alone_us"] else float("nan")
        print(f"{row['operation']:62s} {row['alone_us']:8.2f} us {row['busy_sibling_us']:10.2f} us  x{ratio:,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
