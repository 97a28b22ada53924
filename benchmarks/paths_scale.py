"""How `ivr paths` scales (generated menus of 30 to 1,000 nodes), and the shipped menu against an older commit.

    .venv/bin/python benchmarks/paths_scale.py [--sizes 30,100,300,1000] [--budget 120]
        [--baseline COMMIT] [--rounds 3] [--compare-budget 600] [--json]

For each size, a valid menu from ``benchmarks/config_scale.py``'s generator (sub-menus, info nodes,
transfers to hotlines with weekly hours) is walked with the ``ivr paths`` command line, as a menu
author runs it (every core, interpreter start-up included). It prints the wall seconds, the seconds
per node (which must not grow with size), the requests made and whether the walk was complete.
Goals: the 1,000-node menu completes in under 60 s.

Then the shipped menu (``menus/wallet.yaml``) is walked by this checkout and by ``--baseline``
(default: the commit before the path-speed work, the parent of the commit that added
``ivr/coverage/sameness.py``), checked out into a temporary ``git worktree``: ``--rounds`` runs each,
alternating, so a busy machine slows both alike; the medians and their ratio are reported (goal ≥ 5x).
Every run has a timeout. The load average is printed with the figures: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from config_scale import generate  # the sibling module, importable however the script is started

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "menus" / "wallet.yaml"
SIZES = "30,100,300,1000"
GOAL_1000_SECONDS = 60.0
GOAL_RATIO = 5.0


def walk(tree: Path, menu: Path, budget: float) -> dict[str, object]:
    """One ``ivr paths`` run of the checkout at ``tree`` on ``menu``: wall seconds and its JSON stats."""
    with tempfile.TemporaryDirectory(prefix="ivr-paths-scale-") as tmp:
        out = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "ivr", "paths", "--menu", str(menu), "--budget", f"{budget:g}"]
        command += ["--json", str(out)]
        env = {**os.environ, "PYTHONPATH": str(tree)}
        started = time.perf_counter()
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=budget + 120, cwd=tree, env=env, check=False
            )
        except subprocess.TimeoutExpired:
            return {"seconds": None, "error": f"timed out after {budget + 120:g} s"}
        seconds = time.perf_counter() - started
        if done.returncode not in (0, 1) or not out.is_file():
            last = (done.stderr or done.stdout).strip().splitlines()[-1:]
            return {"seconds": None, "error": f"exit {done.returncode}: {last}"}
        report = json.loads(out.read_text(encoding="utf-8"))
    stats = report["stats"]
    return {
        "seconds": round(seconds, 3),
        "ok": report["ok"],
        "complete": not stats.get("bound"),
        "requests": stats["requests"],
        "waiting_points": stats["waiting_points"],
        "not_covered": len(report["not_covered"]),
        "findings": len(report["findings"]),
    }


def default_baseline() -> str:
    """The commit before the path-speed work: the parent of the commit that added ivr/coverage/sameness.py."""
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "ivr/coverage/sameness.py"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    ).stdout.split()  # fmt: skip
    if not added:
        raise SystemExit("no commit adds ivr/coverage/sameness.py here: name the baseline with --baseline")
    return f"{added[-1]}^"


def compare(baseline: str, rounds: int, budget: float) -> dict[str, object]:
    """Median wall seconds of this checkout and of ``baseline`` on the shipped menu, alternating runs."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", baseline], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="ivr-paths-baseline-") as tmp:
        old = Path(tmp) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(old), commit], cwd=ROOT, capture_output=True, check=True
        )
        try:
            runs: dict[str, list[dict[str, object]]] = {"new": [], "old": []}
            for _ in range(rounds):
                runs["old"].append(walk(old, SHIPPED, budget))  # the same menu file for both
                runs["new"].append(walk(ROOT, SHIPPED, budget))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True, check=False
            )
    medians = {}
    for name, results in runs.items():
        times = [r["seconds"] for r in results if isinstance(r["seconds"], float)]
        medians[name] = round(statistics.median(times), 2) if len(times) == len(results) else None
    ratio = round(medians["old"] / medians["new"], 2) if medians["old"] and medians["new"] else None
    return {
        "baseline": commit,
        "rounds": rounds,
        "old_s": medians["old"],
        "new_s": medians["new"],
        "old_runs": [r["seconds"] for r in runs["old"]],
        "new_runs": [r["seconds"] for r in runs["new"]],
        "old_requests": runs["old"][0].get("requests"),
        "new_requests": runs["new"][0].get("requests"),
        "old_complete": all(r.get("complete") for r in runs["old"]),  # else its time is a lower bound
        "new_complete": all(r.get("complete") for r in runs["new"]),
        "same_result": all(
            (a.get("ok"), a.get("not_covered"), a.get("findings"))
            == (b.get("ok"), b.get("not_covered"), b.get("findings"))
            for a, b in zip(runs["old"], runs["new"], strict=True)
        ),
        "ratio": ratio,
        "goal": GOAL_RATIO,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=SIZES, help=f"comma-separated node counts (default {SIZES})")
    parser.add_argument("--budget", type=float, default=120, help="seconds each generated menu's walk may take")
    parser.add_argument(
        "--compare-budget",
        type=float,
        default=600,
        help="seconds each walk of the shipped menu may take (ivr paths' own default)",
    )
    parser.add_argument("--baseline", help="the older commit the shipped menu's walk is compared with")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each side of the comparison (0: skip it)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    rows = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="ivr-paths-scale-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"menu-{size}.yaml"
            path.write_text(generate(size), encoding="utf-8")
            row = {"nodes": size, **walk(ROOT, path, args.budget)}
            seconds = row["seconds"]
            row["s_per_node"] = round(seconds / size, 4) if isinstance(seconds, float) else None
            rows.append(row)
    comparison = compare(args.baseline or default_baseline(), args.rounds, args.compare_budget) if args.rounds else None
    load = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2), "cores": os.cpu_count()}
    largest = next((r for r in rows if r["nodes"] == 1000), None)
    meets = largest is None or (largest.get("complete") and (largest["seconds"] or 1e9) < GOAL_1000_SECONDS)
    if args.json:
        print(json.dumps({"rows": rows, "comparison": comparison, "load": load, "meets_1000_goal": meets}))
        return 0
    print(f"load average {load['before']} -> {load['after']} on {load['cores']} cores")
    print(f"{'nodes':>6}{'seconds':>10}{'s/node':>9}{'requests':>10}{'waits':>8}   result")
    for r in rows:
        if r["seconds"] is None:
            print(f"{r['nodes']:>6}   {r['error']}")
            continue
        result = ("ok" if r["ok"] else f"{r['findings']} findings") + ("" if r["complete"] else ", BOUND HIT")
        figures = f"{r['seconds']:>10.2f}{r['s_per_node']:>9.4f}{r['requests']:>10}{r['waiting_points']:>8}"
        print(f"{r['nodes']:>6}{figures}   {result}")
    if comparison:
        c = comparison
        print(
            f"shipped menu: {c['new_s']} s (runs {c['new_runs']}, {c['new_requests']} requests) against "
            f"{c['old_s']} s at {c['baseline']} (runs {c['old_runs']}, {c['old_requests']} requests): "
            f"{c['ratio']}x (goal ≥ {c['goal']:g}x); same coverage and findings: {c['same_result']}"
            + ("" if c["old_complete"] else " (the older walk hit its budget: its time is a lower bound)")
        )
    return 0  # a missed goal is a figure in the report, not a failure of the benchmark


if __name__ == "__main__":
    sys.exit(main())
