"""Webhook throughput and latency of the real service against the floor, under one load.

    .venv/bin/python benchmarks/webhooks.py [--seconds 10] [--rounds 3] [--connections 8] [--json]

Serves, each under gunicorn on a free 127.0.0.1 port with the same settings (2 sync workers, one
per core of the reference machine):

* **ours**: ``ivr.web:create_app()`` with ``MENU_FILE=menus/wallet.yaml`` and a
  ``TWILIO_AUTH_TOKEN``, so every request's signature is checked;
* **floor**: ``benchmarks/floor_app.py``, one constant TwiML document behind the same signature
  check: what Flask + gunicorn + HTTP + HMAC cost with no work at all;
* **floor, unsigned**: the same without the check (one round, for reference);
* **ours, uncached**: the real service with its document cache bypassed
  (``benchmarks/uncached_app.py``): every request runs the flow and renders, the cost of a
  request never seen before (one round, for reference).

Each is driven by wrk with the same generated Lua script: ~500 signed, Twilio-shaped POSTs over a
realistic mix (incoming, menus, info nodes, key presses, speech, silence, transfers, dial outcomes,
bad input). Rounds alternate between the apps so that drift on the machine hits both. Before any
load, every request of the mix is answered once in-process and must be 200 with TwiML that
``validate_twiml`` accepts: a fast wrong answer is not a result. Prints req/s, p50 and p99 for each
and the ratio ours / floor (goal: >= 0.90).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # the sibling module, importable however the script is started
    MENU,
    ROOT,
    WORKER_CLASS,
    WORKERS,
    WrkResult,
    gunicorn,
    machine,
    run_wrk,
    service_settings,
    webhook_mix,
    write_lua,
)

GOAL = 0.90


def check_answers(mix: list, menu: Path, audio_dir: Path) -> None:
    """Every request of the mix, answered in-process by the real app, is 200 and valid TwiML."""
    from ivr.simulator import validate_twiml
    from ivr.web import create_app

    client = create_app(service_settings(menu, audio_dir)).test_client()
    logging.getLogger("ivr").setLevel(logging.ERROR)  # the mix's bad input is repaired with a warning each
    for hook in mix:
        response = client.post(
            hook.path,
            data=hook.body,
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": hook.signature},
        )
        body = response.get_data(as_text=True)
        if response.status_code != 200 or validate_twiml(body):
            raise SystemExit(f"{hook.kind} {hook.path}: HTTP {response.status_code}, problems {validate_twiml(body)}")


def median_run(runs: list[WrkResult]) -> WrkResult:
    """The round with the median throughput (its own latencies, not a mix of rounds)."""
    return sorted(runs, key=lambda r: r.rps)[len(runs) // 2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each measured wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="measured runs per app (median reported)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent wrk connections")
    parser.add_argument("--menu", type=Path, default=MENU)
    parser.add_argument(
        "--audio-dir", type=Path, default=ROOT / "audio", help="as served (prompts with a built file are <Play>ed)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)

    load_before = round(os.getloadavg()[0], 2)
    if load_before > 0.5:
        print(
            f"note: 1-minute load average is {load_before} before starting: other work shares the cores",
            file=sys.stderr,
        )
    mix = webhook_mix(args.menu)
    audio = args.audio_dir.resolve()
    check_answers(mix, args.menu, args.audio_dir)
    ours_env = service_settings(args.menu, audio)
    env = {k: ours_env[k] for k in ("TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL")}  # the floor apps need only these
    here = Path(__file__).resolve().parent
    runs: dict[str, list[WrkResult]] = {"ours": [], "floor": [], "floor, unsigned": [], "ours, uncached": []}
    with tempfile.TemporaryDirectory(prefix="ivr-bench-") as tmp:
        lua = write_lua(mix, Path(tmp) / "webhooks.lua")
        with (
            gunicorn("ivr.web:create_app()", ours_env) as ours,
            gunicorn("floor_app:create_app()", env, pythonpath=here) as floor,
            gunicorn("floor_app:create_app()", {**env, "FLOOR_SIGNED": "0"}, pythonpath=here) as unsigned,
            gunicorn("uncached_app:create_app()", ours_env, pythonpath=here) as uncached,
        ):
            servers = {"ours": ours, "floor": floor, "floor, unsigned": unsigned, "ours, uncached": uncached}
            for server in servers.values():  # warm-up: imports, first requests, CPU frequency
                run_wrk(server.base, lua, seconds=2, connections=args.connections)
            for _ in range(args.rounds):
                for name in ("floor", "ours"):
                    server = servers[name]
                    run = run_wrk(server.base, lua, seconds=args.seconds, connections=args.connections, server=server)
                    runs[name].append(run)
            for name in ("floor, unsigned", "ours, uncached"):
                server = servers[name]
                runs[name].append(
                    run_wrk(server.base, lua, seconds=args.seconds, connections=args.connections, server=server)
                )
            errors = {name: sum(r.errors for r in results) for name, results in runs.items()}
    chosen = {name: median_run(results) for name, results in runs.items()}
    # Each round ran floor then ours back to back: the ratio of a pair cancels what other processes
    # on the machine did meanwhile, so the median of the pairs is the figure to trust.
    pairs = list(zip(runs["floor"], runs["ours"], strict=True))
    ratio = statistics.median(o.rps / f.rps for f, o in pairs)
    cpu_ratio = statistics.median(f.worker_cpu_us / o.worker_cpu_us for f, o in pairs if o.worker_cpu_us)
    report = {
        "machine": machine(),
        "settings": {
            "workers": WORKERS,
            "worker_class": WORKER_CLASS,
            "connections": args.connections,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "requests_in_mix": len(mix),
            "audio": f"{len(list(audio.glob('*.wav')))} files in {audio.name}/ (<Play> where built, else <Say>)",
            "menu": str(args.menu.relative_to(ROOT) if args.menu.is_relative_to(ROOT) else args.menu),
        },
        "apps": {
            name: {
                "rps": round(r.rps, 1),
                "p50_ms": r.p50_ms,
                "p99_ms": r.p99_ms,
                "max_ms": r.max_ms,
                "worker_cpu_us": round(r.worker_cpu_us),
                "errors": errors[name],
                "rounds_rps": [round(x.rps, 1) for x in runs[name]],
            }
            for name, r in chosen.items()
        },
        "ratio": round(ratio, 3),
        "cpu_ratio": round(cpu_ratio, 3),
        "pair_ratios": [round(o.rps / f.rps, 3) for f, o in pairs],
        "load_before": load_before,
        "goal": GOAL,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print_report(report)
    return 1 if any(errors.values()) else 0


def print_report(report: dict) -> None:
    s = report["settings"]
    print(
        f"gunicorn: {s['workers']} {s['worker_class']} workers on 127.0.0.1; wrk: {s['connections']} connections, "
        f"{s['rounds']} x {s['seconds']:g} s per app (median round); {s['requests_in_mix']} signed webhooks in the mix"
    )
    print(f"menu {s['menu']}; audio: {s['audio']}")
    print(f"{'app':<18}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'CPU us/req':>12}{'errors':>8}   rounds (req/s)")
    for name, a in report["apps"].items():
        rounds = ", ".join(f"{x:.0f}" for x in a["rounds_rps"])
        print(
            f"{name:<18}{a['rps']:>10.0f}{a['p50_ms']:>10.2f}{a['p99_ms']:>10.2f}{a['worker_cpu_us']:>12}"
            f"{a['errors']:>8}   {rounds}"
        )
    pairs = ", ".join(f"{x:.2f}" for x in report["pair_ratios"])
    print(f"per-round ratios ours/floor (req/s): {pairs}; load average before the run: {report['load_before']}")
    verdict = "meets" if report["ratio"] >= report["goal"] else "BELOW"
    print(
        f"ours / floor, both signature-checked (median of rounds): {report['ratio']:.3f} in req/s "
        f"({verdict} the {report['goal']:.2f} goal), {report['cpu_ratio']:.3f} in worker CPU per request"
    )
    print("machine: " + ", ".join(f"{k} {v}" for k, v in report["machine"].items()))


if __name__ == "__main__":
    sys.exit(main())
