"""Every benchmark in one go, one table: the command docs/performance.md cites.

    .venv/bin/python benchmarks/run_all.py [--quick] [--soak-seconds 60]

Runs, each as its own process (so one's imports and memory do not colour another's figures):

* ``benchmarks/webhooks.py``: the service against the floor app under gunicorn + wrk;
* ``benchmarks/gil_handoffs.py``: what each per-webhook call that may release the GIL costs beside
  a busy thread;
* ``benchmarks/forwarder_cost.py``: the host forwarder's CPU per record of the mix, against the
  commit before the forwarder work (``FORWARDER_BEFORE``), in the same run;
* ``benchmarks/config_scale.py``: load + validate of generated 100 / 1,000 / 10,000-node menus;
* ``benchmarks/paths_scale.py``: ``ivr paths`` over generated 30 / 100 / 300 / 1,000-node menus (seconds
  per node), and on the shipped menu against the commit before the path-speed work, checked out in a
  temporary worktree and run alternately in the same run (the ratio);
* ``benchmarks/audio_build.py`` (when present): a full audio build and a one-edit rebuild;
* ``benchmarks/soak.py``: a short soak (``--soak-seconds``, 0 to skip; the 3-minute default of the
  script itself is for a separate run).

Then prints the machine (CPU model, cores, RAM, Python) and a Markdown table of the figures.
``--quick`` shortens every run (for trying it out, not for quoting). Exits non-zero if any benchmark
failed or reported errors.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import machine  # the sibling module, importable however the script is started

HERE = Path(__file__).resolve().parent
FORWARDER_BEFORE = "51b219d"  # the last commit before the forwarder's cost per record was worked on


def run(script: str, *args: str, timeout: float) -> tuple[int, str]:
    """Run a sibling benchmark script; return its exit code and stdout."""
    done = subprocess.run(
        [sys.executable, str(HERE / script), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(f"{script} exited with {done.returncode}:\n{done.stderr[-2000:]}\n")
    return done.returncode, done.stdout


def last_json(stdout: str) -> dict:
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError(f"no JSON line in:\n{stdout}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs, for trying the runner out")
    parser.add_argument("--soak-seconds", type=float, default=60, help="length of the soak (0: skip it)")
    args = parser.parse_args(argv)
    rows: list[tuple[str, str, str]] = []
    failed: list[str] = []

    web_args = ["--seconds", "3", "--rounds", "1"] if args.quick else []
    # the line's shipped workers, and store-on runs with calls of their own, as a real line's store meets them
    web_args += ["--worker-class", "gthread", "--fresh-calls", "2500"]
    code, out = run("webhooks.py", "--json", *web_args, timeout=900)
    if code == 0 or out.strip():
        web = last_json(out)
        s = web["settings"]
        load = f"{s['workers']} {s['worker_class']} gunicorn workers, wrk {s['connections']} connections, "
        load += f"{s['rounds']} x {s['seconds']:g} s per app; audio: {s['audio']}"
        rows.append(("webhooks", "setup", load))
        for name, a in web["apps"].items():
            rows.append(
                (
                    "webhooks",
                    name,
                    f"{a['rps']:.0f} req/s, p50 {a['p50_ms']:.2f} ms, p99 {a['p99_ms']:.2f} ms, "
                    f"{a['worker_cpu_us']} µs worker CPU/request, {a['errors']} errors",
                )
            )
        rows.append(
            (
                "webhooks",
                "ours / floor (signed)",
                f"{web['ratio']:.2f} req/s, {web['cpu_ratio']:.2f} CPU (goal ≥ {web['goal']:.2f})",
            )
        )
    if code != 0:
        failed.append("webhooks.py")

    code, out = run("gil_handoffs.py", "--json", *(["--calls", "200"] if args.quick else []), timeout=300)
    if out.strip():
        gil = last_json(out)
        for r in gil["rows"]:
            rows.append((
                "GIL hand-offs", r["operation"],
                f"{r['alone_us']:.2f} µs alone, {r['busy_sibling_us']:.2f} µs beside a busy thread "
                f"(switch interval {gil['switch_interval_ms']:g} ms)",
            ))  # fmt: skip
    if code != 0:
        failed.append("gil_handoffs.py")

    forward_args = ["--calls", "100", "--per-pass", "150"] if args.quick else []
    code, out = run("forwarder_cost.py", "--json", "--before", FORWARDER_BEFORE, *forward_args, timeout=1800)
    if out.strip():
        cost = last_json(out)
        now, before = cost["cpu_us_per_record"]["this tree"], cost["cpu_us_per_record"][FORWARDER_BEFORE]
        for size, us in now.items():
            rows.append((
                "store forwarder", f"{size} records a pass, {cost['records']:,} records",
                f"{us:.0f} µs CPU/record against {before[size]:.0f} at {FORWARDER_BEFORE}: "
                f"**{us / before[size]:.2f}x** (median of 3 alternating runs)",
            ))  # fmt: skip
    if code != 0:
        failed.append("forwarder_cost.py")

    scale_args = ["--repeat", "1", "--sizes", "100,1000", "--paths-budget", "5"] if args.quick else []
    code, out = run("config_scale.py", "--json", *scale_args, timeout=1800)
    if out.strip():
        for r in last_json(out)["rows"]:
            paths = f"{r['paths_s']:.2f} s" if isinstance(r["paths_s"], float) else r["paths_s"]
            rows.append(
                (
                    "config scale",
                    f"{r['nodes']:,} nodes ({r['kib']:,} KiB)",
                    f"load + validate {r['load_validate_s']:.3f} s (validate {r['validate_s']:.3f} s); "
                    f"ivr paths {paths}",
                )
            )
    if code != 0:
        failed.append("config_scale.py")

    paths_args = ["--sizes", "30,100", "--rounds", "1"] if args.quick else []
    code, out = run("paths_scale.py", "--json", *paths_args, timeout=3600)
    if out.strip():
        walks = last_json(out)
        for r in walks["rows"]:
            if r["seconds"] is None:
                figure = f"failed: {r['error']}"
            else:
                figure = f"{r['seconds']:.2f} s, {1000 * r['s_per_node']:.1f} ms per node, {r['requests']:,} requests"
                figure += "" if r["complete"] else ", BOUND HIT (incomplete)"
            rows.append(("ivr paths", f"{r['nodes']:,} generated nodes", figure))
        c = walks["comparison"]
        if c:
            rows.append(
                (
                    "ivr paths",
                    f"shipped menu against {c['baseline']} (before)",
                    f"{c['new_s']} s ({c.get('new_cpu_s')} s CPU; --jobs 1: {c.get('jobs1_s')} s) against "
                    f"{c['old_s']} s: **{c['ratio']}x** (goal ≥ {c['goal']:g}x); "
                    f"median of {c['rounds']} alternating runs each; {c['new_requests']:,} requests against "
                    f"{c['old_requests']:,}; same coverage and findings: {c['same_result']}"
                    + ("" if c["old_complete"] else " (the older walk hit its budget: a lower bound)"),
                )
            )
        load = walks["load"]
        rows.append(("ivr paths", "load", f"load average {load['before']} → {load['after']} on {load['cores']} cores"))
    if code != 0:
        failed.append("paths_scale.py")

    if (HERE / "audio_build.py").is_file():
        code, out = run("audio_build.py", timeout=1800)
        for line in out.splitlines():
            label, sep, value = line.partition(":")
            if sep and value.strip():
                rows.append(("audio build", label.strip(), value.strip()))
        if code != 0:
            failed.append("audio_build.py")
    else:
        rows.append(("audio build", "n/a", "benchmarks/audio_build.py not present"))

    if args.soak_seconds > 0:
        seconds = min(args.soak_seconds, 20) if args.quick else args.soak_seconds
        interval = f"{min(10, max(1, seconds)):g}"
        code, out = run("soak.py", "--json", "--seconds", f"{seconds:g}", "--interval", interval, timeout=seconds + 300)
        if out.strip():
            soak = last_json(out)
            rss = ", ".join(
                f"{a:.1f} -> {b:.1f}" for a, b in zip(soak["rss_first_mib"], soak["rss_last_mib"], strict=True)
            )
            rows.append(
                (
                    "soak",
                    f"{soak['seconds']:g} s, {soak['connections']} connections",
                    f"{soak['requests']} requests, {soak['errors']} errors, worker RSS MiB {rss}"
                    + (", a worker was replaced" if soak["workers_replaced"] else ""),
                )
            )
        if code != 0:
            failed.append("soak.py")

    m = machine()
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, Python {m['python']}, {m['os']}")
    print("| benchmark | what | figure |")
    print("|---|---|---|")
    for benchmark, what, figure in rows:
        print(f"| {benchmark} | {what} | {figure} |")
    if failed:
        print("failed or reported errors: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
