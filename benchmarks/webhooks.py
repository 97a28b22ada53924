"""Webhook throughput and latency of the real service against the floor, under one load, with the
call store off and on (SQLite, PostgreSQL).

    .venv/bin/python benchmarks/webhooks.py [--seconds 10] [--rounds 5] [--connections 8]
        [--stores off,sqlite,postgresql,sqlite-nosync] [--before REF] [--json]

Serves, each under gunicorn on a free 127.0.0.1 port with the same settings (2 sync workers, one
per core of the reference machine):

* **ours, <store>**: ``ivr.web:create_app()`` with ``MENU_FILE=menus/wallet.yaml`` and a
  ``TWILIO_AUTH_TOKEN``, so every request's signature is checked; one server per ``--stores``
  entry: ``off`` (``CALL_STORE=false``), ``sqlite`` (a fresh SQLite file, the default store),
  ``postgresql`` (a throw-away cluster, ``tests/store/pg_cluster.py``, needs Debian's
  ``postgresql``), and ``sqlite-nosync`` / ``postgresql-nosync`` (``SPOOL_SYNC=false``: the trade-off
  of docs/store.md). Every store-on server spools to a fresh folder on the repository's disk, so
  each request pays the real ``O_DSYNC`` write, and forwards it with the service's default, one
  niced forwarder process per host (``ivr.store.host_forwarder``);
* **ours, sqlite (REF)** with ``--before REF``: the same as ``ours, sqlite`` served from a temporary
  worktree of commit ``REF``, so a change is measured before/after in one run;
* **floor**: ``benchmarks/floor_app.py``, one constant TwiML document behind the same signature
  check: what Flask + gunicorn + HTTP + HMAC cost with no work at all;
* **floor, unsigned**: the same without the check (one round, for reference);
* **ours, uncached**: the real service (store off) with its document cache bypassed
  (``benchmarks/uncached_app.py``): every request runs the flow and renders, the cost of a
  request never seen before (one round, for reference).

Each is driven by wrk with the same generated Lua script: signed, Twilio-shaped POSTs of ``--calls``
calls (1,000: about 9,600 requests, so that a 10 s run replays few calls; with 60 calls replayed a
hundred times each, every stored call grew to hundreds of events, which no real call has) over a
realistic mix (incoming, menus, info nodes, key presses, speech, silence, transfers, dial outcomes,
bad input, the status callback at each call's end). Each round runs the floor, then every "ours"
server, back to back, so that drift on the machine hits them alike; the ratio of each to its round's
floor is taken per round and the median of the rounds reported. Before any load, every request of
the mix is answered once in-process and must be 200 with TwiML that ``validate_twiml`` accepts (a
status callback: 204): a fast wrong answer is not a result. The store-on servers must have stored
every call they were sent. Prints req/s, worker CPU per request, p50 and p99 for each and the ratios
ours / floor (goal: >= 1.00, issue 17's), with the load average. After each store-on run the benchmark waits
until the database has every record (before the next run starts, so that no forwarding overlaps
another server's run) and reports the forwarder process's CPU per request and that catch-up time:
the forwarder is not a worker, so its cost is shown apart.

A run in which one worker did less than a fifth of the workers' CPU is run again (up to three times,
reported): gthread workers each accept on the shared socket, and now and then one of them takes all
of wrk's keep-alive connections, so the run measures one worker at about a third of the server's rate.

The mix is the same in every run, so over the rounds each call's webhooks arrive again and again,
and a stored call gathers events no real call has (and the digest of a call that ended is made
again at each one). ``--fresh-calls N`` gives every store-on run a mix of N calls no run sent
before (2,500 calls are about 24,000 requests: more than a 10 s run sends), which is what a real
line's store meets.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from harness import (  # the sibling module, importable however the script is started
    MENU,
    ROOT,
    WORKERS,
    Server,
    WrkResult,
    checkout,
    cpu_seconds,
    gunicorn,
    machine,
    run_wrk,
    service_settings,
    webhook_mix,
    write_lua,
)

GOAL = 1.00  # issue 17: at least the signed floor, in req/s and in worker CPU per request


STORES = ("off", "sqlite", "postgresql", "sqlite-nosync", "postgresql-nosync")
DEFAULT_STORES = "off,sqlite,postgresql,sqlite-nosync"
MAIN_STORE = "sqlite"  # the README's deployment: what "ratio" reports
RERUNS = 3  # times a one-sided run (one worker took every connection) is run again before it is kept


def check_answers(mix: list, menu: Path, audio_dir: Path) -> None:
    """Every request of the mix, answered in-process by the real app, is 200 and valid TwiML (the
    status callbacks: 204, no body)."""
    from ivr.simulator import validate_twiml
    from ivr.web import create_app

    client = create_app({**service_settings(menu, audio_dir), "CALL_STORE": "false"}).test_client()
    logging.getLogger("ivr").setLevel(logging.ERROR)  # the mix's bad input is repaired with a warning each
    for hook in mix:
        response = client.post(
            hook.path,
            data=hook.body,
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": hook.signature},
        )
        body = response.get_data(as_text=True)
        if hook.kind == harness.STATUS_CALLBACK:
            if response.status_code != 204:
                raise SystemExit(f"{hook.kind} {hook.path}: HTTP {response.status_code}, not 204")
        elif response.status_code != 200 or validate_twiml(body):
            raise SystemExit(f"{hook.kind} {hook.path}: HTTP {response.status_code}, problems {validate_twiml(body)}")


def median_run(runs: list[WrkResult]) -> WrkResult:
    """The round with the median throughput (its own latencies, not a mix of rounds)."""
    return sorted(runs, key=lambda r: r.rps)[len(runs) // 2]


@contextmanager
def postgres() -> Iterator[Callable[[], str]]:
    """A throw-away PostgreSQL cluster (the store tests' own), yielding "a fresh upgraded database"."""
    sys.path.insert(0, str(ROOT / "tests" / "store"))
    from pg_cluster import Cluster, LocalCluster, binaries

    from ivr.store.database import open_engine
    from ivr.store.migrate import upgrade

    bin_dir = binaries()
    if bin_dir is None:
        raise SystemExit("--stores postgresql needs Debian's postgresql (bash scripts/setup.sh installs it)")
    local = LocalCluster(bin_dir)

    def fresh() -> str:
        url = Cluster(local.url).fresh_database()
        engine = open_engine(url)
        upgrade(engine)  # what `ivr db upgrade` does before a PostgreSQL service starts
        engine.dispose()
        return url

    try:
        yield fresh
    finally:
        local.close()


def store_env(store: str, folder: Path, pg: Callable[[], str] | None) -> dict[str, str]:
    """The settings of one "ours" variant; ``folder`` (on the repository's disk) holds its spool."""
    if store == "off":
        return {"CALL_STORE": "false"}
    kind, _, nosync = store.partition("-")
    url = f"sqlite:///{folder}/ivr.db" if kind == "sqlite" else (pg() if pg else "")
    return {
        "DATABASE_URL": url, "SPOOL_DIR": str(folder / "spool"), "SPOOL_SYNC": "false" if nosync else "true",
        "SPOOL_FORWARDER_IDLE_S": "3600",  # the host's forwarder stays between rounds (its CPU is counted)
    }  # fmt: skip


def caught_up(env: dict[str, str], timeout: float = 300.0) -> tuple[float, float]:
    """Wait until the variant's spool is all in the database (every file's checkpoint at its end);
    returns (seconds waited, CPU seconds the host's forwarder process has used so far)."""
    if env.get("CALL_STORE") == "false":
        return 0.0, 0.0
    from ivr.store import spool
    from ivr.store.host_forwarder import running_pid

    directory = Path(env["SPOOL_DIR"])
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        files = list(directory.glob(f"*{spool.SUFFIX}"))
        if all(spool.checkpoint(f) >= f.stat().st_size for f in files if f.exists()):
            break
        time.sleep(0.05)
    else:
        raise SystemExit(f"the spool in {directory} was not forwarded within {timeout:.0f} s")
    pid = running_pid(directory)
    return time.monotonic() - started, cpu_seconds([pid]) if pid and pid > 0 else 0.0


def stored_calls(env: dict[str, str]) -> int:
    """How many calls the variant's database holds (its spool forwarded first)."""
    if env.get("CALL_STORE") == "false":
        return 0
    from sqlalchemy import func, select

    from ivr.store.access import open_for_reading
    from ivr.store.schema import calls

    engine = open_for_reading(env["DATABASE_URL"], Path(env["SPOOL_DIR"]))
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(calls)).scalar_one())
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each measured wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="measured runs per app (median reported)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent wrk connections")
    parser.add_argument("--stores", default=DEFAULT_STORES, help=f"'ours' variants, of {', '.join(STORES)}")
    parser.add_argument("--before", metavar="REF", help="also serve 'ours, sqlite' from this commit")
    parser.add_argument("--no-reference", action="store_true", help="skip the unsigned floor and uncached runs")
    parser.add_argument(
        "--worker-class", choices=("sync", "gthread"), default="sync",
        help=f"every server's gunicorn workers (gthread: {harness.THREADS} threads each)",
    )  # fmt: skip
    parser.add_argument("--calls", type=int, default=1000, help="calls in the mix, each with its own CallSid")
    parser.add_argument(
        "--fresh-calls", type=int, default=0, metavar="N",
        help="give every store-on run a mix of N calls of its own (new CallSids), so no call is replayed",
    )  # fmt: skip
    parser.add_argument("--menu", type=Path, default=MENU)
    parser.add_argument(
        "--audio-dir", type=Path, default=ROOT / "audio", help="as served (prompts with a built file are <Play>ed)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    harness.WORKER_CLASS = args.worker_class  # read by harness.gunicorn for every server
    if unknown := [s for s in stores if s not in STORES]:
        parser.error(f"--stores: unknown {', '.join(unknown)} (choose from {', '.join(STORES)})")
    if args.before and MAIN_STORE not in stores:
        parser.error(f"--before compares against 'ours, {MAIN_STORE}': keep {MAIN_STORE} in --stores")

    load_before = round(os.getloadavg()[0], 2)
    if load_before > 0.5:
        print(
            f"note: 1-minute load average is {load_before} before starting: other work shares the cores",
            file=sys.stderr,
        )
    mix = webhook_mix(args.menu, calls=args.calls)
    audio = args.audio_dir.resolve()
    check_answers(mix, args.menu, args.audio_dir)
    ours_env = service_settings(args.menu, audio)
    env = {k: ours_env[k] for k in ("TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL")}  # the floor apps need only these
    here = Path(__file__).resolve().parent
    ours_names = [f"ours, {s}" for s in stores] + ([f"ours, {MAIN_STORE} ({args.before})"] if args.before else [])
    runs: dict[str, list[WrkResult]] = {"floor": [], **{n: [] for n in ours_names}}
    if not args.no_reference:
        runs.update({"floor, unsigned": [], "ours, uncached": []})
    loads: list[float] = []
    forwarding: dict[str, list[tuple[float, float]]] = {n: [] for n in ours_names}
    one_sided: dict[str, list[tuple[float, ...]]] = {n: [] for n in runs}  # the runs measured again
    stored: dict[str, int] = {}
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="ivr-bench-") as tmp,
        tempfile.TemporaryDirectory(prefix="bench-store-", dir=var) as disk,  # the spool's real disk
        ExitStack() as resources,
        ExitStack() as stack,
    ):
        lua = write_lua(mix, Path(tmp) / "webhooks.lua")
        pg = resources.enter_context(postgres()) if any(s.startswith("postgresql") for s in stores) else None
        before = resources.enter_context(checkout(args.before)) if args.before else None
        servers: dict[str, Server] = {}
        envs: dict[str, dict[str, str]] = {}
        servers["floor"] = stack.enter_context(gunicorn("floor_app:create_app()", env, pythonpath=here))
        for store in stores:
            folder = Path(disk) / store
            envs[f"ours, {store}"] = {**ours_env, **store_env(store, folder, pg)}
        if before is not None:
            envs[ours_names[-1]] = {**ours_env, **store_env(MAIN_STORE, Path(disk) / "before", pg)}
        for name, variant in envs.items():
            tree = before if name == ours_names[-1] and before is not None else None
            servers[name] = stack.enter_context(gunicorn("ivr.web:create_app()", variant, pythonpath=tree))
        if not args.no_reference:
            unsigned = {**env, "FLOOR_SIGNED": "0"}
            servers["floor, unsigned"] = stack.enter_context(
                gunicorn("floor_app:create_app()", unsigned, pythonpath=here)
            )
            servers["ours, uncached"] = stack.enter_context(
                gunicorn("uncached_app:create_app()", {**ours_env, "CALL_STORE": "false"}, pythonpath=here)
            )
        for server in servers.values():  # warm-up: imports, first requests, CPU frequency
            run_wrk(server.base, lua, seconds=2, connections=args.connections)
        for name in envs:
            caught_up(envs[name])  # the warm-up's records in the database before anything is measured
        seeds = iter(range(1000, 10**6))  # the base mix is seed 7: fresh mixes never share its CallSids

        def measured(name: str) -> WrkResult:
            """One run of ``name``, run again (up to RERUNS times) while one worker did almost none of
            the work (``WrkResult.one_sided``): that run measured one worker, not the server."""
            server = servers[name]
            for attempt in range(RERUNS + 1):
                script = lua
                if args.fresh_calls and name in envs:
                    fresh = webhook_mix(args.menu, calls=args.fresh_calls, seed=next(seeds))
                    script = write_lua(fresh, Path(tmp) / "fresh.lua")
                _, forwarder_before = caught_up(envs.get(name, {"CALL_STORE": "false"}))
                result = run_wrk(server.base, script, seconds=args.seconds, connections=args.connections, server=server)
                if name in envs:  # what the host's forwarder spent on this run's records, catching up included
                    waited, forwarder_after = caught_up(envs[name])
                    cost = ((forwarder_after - forwarder_before) / result.requests * 1e6, waited)
                if not result.one_sided() or attempt == RERUNS:
                    break
                one_sided[name].append(result.worker_share)
            if name in envs:
                forwarding[name].append(cost)
            return result

        for _ in range(args.rounds):
            loads.append(round(os.getloadavg()[0], 2))
            for name in ("floor", *ours_names):
                runs[name].append(measured(name))
        if not args.no_reference:
            for name in ("floor, unsigned", "ours, uncached"):
                runs[name].append(measured(name))
        errors = {name: sum(r.errors for r in results) for name, results in runs.items()}
        stack.close()  # stop the servers (their exit forwards the spools), then count what they stored
        stored = {name: stored_calls(variant) for name, variant in envs.items()}
    mix_calls = len({hook.body.split("CallSid=")[1].split("&")[0] for hook in mix if "CallSid=" in hook.body})
    # One wrk run sends the mix in order from a random offset: a run at least as long as the mix sent
    # every call's webhooks, so every one of its calls must be in that server's store.
    lost = {
        name: mix_calls - n
        for name, n in stored.items()
        if "off" not in name and n < mix_calls and max(r.requests for r in runs[name]) >= len(mix)
        and not args.fresh_calls  # fresh mixes are longer than a run: which calls it completed is not known
    }  # fmt: skip
    chosen = {name: median_run(results) for name, results in runs.items()}
    # Each round ran the floor then every "ours" back to back: the ratio within a round cancels what
    # other processes on the machine did meanwhile, so the median over the rounds is the figure to trust.
    ratios = {}
    for name in ours_names:
        pairs = list(zip(runs["floor"], runs[name], strict=True))
        ratios[name] = {
            "ratio": round(statistics.median(o.rps / f.rps for f, o in pairs), 3),
            "cpu_ratio": round(
                statistics.median(f.worker_cpu_us / o.worker_cpu_us for f, o in pairs if o.worker_cpu_us), 3
            ),
            "pair_ratios": [round(o.rps / f.rps, 3) for f, o in pairs],
        }
    main_name = f"ours, {MAIN_STORE}" if MAIN_STORE in stores else ours_names[0]
    report = {
        "machine": machine(),
        "settings": {
            "workers": WORKERS,
            "worker_class": harness.WORKER_CLASS,
            "connections": args.connections,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "requests_in_mix": len(mix),
            "audio": f"{len(list(audio.glob('*.wav')))} files in {audio.name}/ (<Play> where built, else <Say>)",
            "menu": str(args.menu.relative_to(ROOT) if args.menu.is_relative_to(ROOT) else args.menu),
            "stores": stores,
            "before": args.before,
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
                "rounds_least_share": [min(x.worker_share, default=None) for x in runs[name]],
            }
            for name, r in chosen.items()
        },
        "ratios": ratios,
        "main": main_name,
        "ratio": ratios[main_name]["ratio"],
        "cpu_ratio": ratios[main_name]["cpu_ratio"],
        "pair_ratios": ratios[main_name]["pair_ratios"],
        "forwarder": {
            name: {
                "cpu_us": round(statistics.median(f for f, _ in runs_)),
                "catch_up_s": round(statistics.median(w for _, w in runs_), 2),
            }
            for name, runs_ in forwarding.items()
            if runs_ and "off" not in name
        },
        "stored_calls": stored,
        "mix_calls": mix_calls,
        "fresh_calls": args.fresh_calls,
        "lost_calls": lost,
        "one_sided_runs": {name: [list(share) for share in shares] for name, shares in one_sided.items() if shares},
        "kept_one_sided": {name: n for name, results in runs.items() if (n := sum(r.one_sided() for r in results))},
        "load_before": load_before,
        "load_per_round": loads,
        "goal": GOAL,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print_report(report)
    return 1 if any(errors.values()) or lost else 0


def print_report(report: dict) -> None:
    s = report["settings"]
    print(
        f"gunicorn: {s['workers']} {s['worker_class']} workers on 127.0.0.1; wrk: {s['connections']} connections, "
        f"{s['rounds']} x {s['seconds']:g} s per app (median round); {s['requests_in_mix']} signed webhooks in the mix"
    )
    print(f"menu {s['menu']}; audio: {s['audio']}")
    print(f"{'app':<30}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'CPU us/req':>11}{'errors':>7}   rounds (req/s)")
    for name, a in report["apps"].items():
        rounds = ", ".join(f"{x:.0f}" for x in a["rounds_rps"])
        print(
            f"{name:<30}{a['rps']:>8.0f}{a['p50_ms']:>8.2f}{a['p99_ms']:>8.2f}{a['worker_cpu_us']:>11}"
            f"{a['errors']:>7}   {rounds}"
        )
    print(f"load average (1 min): {report['load_before']} before the run, per round {report['load_per_round']}")
    for name, r in report["ratios"].items():
        verdict = "meets" if r["ratio"] >= report["goal"] else "BELOW"
        pairs = ", ".join(f"{x:.2f}" for x in r["pair_ratios"])
        print(
            f"{name} / floor: {r['ratio']:.3f} in req/s ({verdict} the {report['goal']:.2f} goal), "
            f"{r['cpu_ratio']:.3f} in worker CPU per request; rounds {pairs}"
        )
    for name, f in report["forwarder"].items():
        print(
            f"{name}: the host's forwarder process spent {f['cpu_us']} us of CPU per request (not in the workers'"
            f" figure), and the database had every record {f['catch_up_s']:.2f} s after the load stopped (median)"
        )
    for name, n in report["stored_calls"].items():
        if "off" not in name:
            of = "" if report["fresh_calls"] else f" of the mix's {report['mix_calls']}"
            print(f"{name}: {n}{of} calls in the store after the run")
    for name, shares in report["one_sided_runs"].items():
        split = "; ".join("/".join(f"{x:.2f}" for x in share) for share in shares)
        print(f"{name}: {len(shares)} one-sided run(s) run again (the workers' shares of the CPU: {split})")
    for name, n in report["kept_one_sided"].items():
        print(f"{name}: WARNING {n} run(s) still one-sided after {RERUNS} reruns are in its figures")
    print("machine: " + ", ".join(f"{k} {v}" for k, v in report["machine"].items()))


if __name__ == "__main__":
    sys.exit(main())
