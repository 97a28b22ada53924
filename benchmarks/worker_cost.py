"""A worker's own CPU per webhook, with the call store off and on, against the floor, in one process.

    .venv/bin/python benchmarks/worker_cost.py [--calls 1000] [--rounds 2] [--json]

No HTTP and no gunicorn: the WSGI apps are called directly, so what is left is each app's own
work, and the machine's drift (a shared host) hits them alike. Four apps live in one process:
the floor (``benchmarks/floor_app.py``), ours with ``CALL_STORE=false``, ours on a fresh SQLite
store with ``SPOOL_SYNC=false``, and ours durable (the default). Each answers every request of the
mix once (warm: its documents are built), then they take turns, chunk of ``CHUNK`` requests by
chunk, for ``--rounds`` passes over the mix; the CPU of this thread is summed per app (the host
forwarders each store starts are other processes, not counted: ``benchmarks/forwarder_cost.py``).
Every answer must be 200 (TwiML) or 204 (a status callback).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import MENU, ROOT, Webhook, service_settings, webhook_mix  # noqa: E402

CHUNK = 400


def environ(hook: Webhook) -> dict[str, Any]:
    """The WSGI environ gunicorn would give the app for ``hook``."""
    path, _, query = hook.path.partition("?")
    body = hook.body.encode()
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)), "HTTP_X_TWILIO_SIGNATURE": hook.signature, "wsgi.errors": sys.stderr,
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
    }  # fmt: skip


def _start_response(status: str, headers: list, exc_info: Any = None) -> None:
    if status[:3] not in ("200", "204"):
        raise RuntimeError(f"the app answered {status}: not a result")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    settings = service_settings(MENU, ROOT / "audio")
    os.environ.update({k: settings[k] for k in ("TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL")})  # the floor reads these
    import floor_app

    from ivr.web import create_app

    (ROOT / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="worker-cost-", dir=ROOT / "var") as folder:

        def store(name: str, sync: str) -> dict[str, str]:
            return {"DATABASE_URL": f"sqlite:///{folder}/{name}.db", "SPOOL_DIR": f"{folder}/{name}",
                    "SPOOL_SYNC": sync, "SPOOL_FORWARDER_IDLE_S": "5"}  # fmt: skip

        apps = {
            "floor": floor_app.create_app(),
            "ours, store off": create_app({**settings, "CALL_STORE": "false"}),
            "ours, SQLite, SPOOL_SYNC=false": create_app({**settings, **store("nosync", "false")}),
            "ours, SQLite (durable)": create_app({**settings, **store("sync", "true")}),
        }
        logging.getLogger("ivr").setLevel(logging.ERROR)
        mix = webhook_mix(calls=args.calls)
        for app in apps.values():
            for hook in mix:
                b"".join(app(environ(hook), _start_response))
        cpu = dict.fromkeys(apps, 0.0)
        count = dict.fromkeys(apps, 0)
        for _ in range(args.rounds):
            for start in range(0, len(mix), CHUNK):
                chunk = mix[start : start + CHUNK]
                for name, app in apps.items():
                    began = time.thread_time()
                    for hook in chunk:
                        b"".join(app(environ(hook), _start_response))
                    cpu[name] += time.thread_time() - began
                    count[name] += len(chunk)
        for app in apps.values():
            recorder = app.extensions.get("ivr", {}).get("store") if hasattr(app, "extensions") else None
            if recorder is not None:
                recorder.close()
    per = {name: cpu[name] / count[name] * 1e6 for name in apps}
    report = {"requests": len(mix), "rounds": args.rounds, "load": round(os.getloadavg()[0], 2),
              "cpu_us_per_request": {n: round(us, 1) for n, us in per.items()}}  # fmt: skip
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{len(mix)} requests x {args.rounds} rounds, chunks of {CHUNK} in turn; load {report['load']}")
    for name, us in per.items():
        print(f"{name:<32}{us:7.0f} µs CPU/request  ({us / per['floor']:.2f}x floor)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
