"""How `ivr paths` scales (generated menus of 30 to 1,000 nodes), and the shipped menu against older commits.

    .venv/bin/python benchmarks/paths_scale.py [--sizes 30,100,300,1000] [--budget 120]
        [--baseline COMMIT ...] [--sizes-baseline] [--rounds 3] [--compare-budget 600] [--json]

For each size, a valid menu from ``benchmarks/config_scale.py``'s generator (sub-menus, info nodes,
transfers to hotlines with weekly hours) is walked with the ``ivr paths`` command line, as a menu
author runs it (every core, interpreter start-up included). It prints the wall seconds, the CPU
seconds of the run (its processes together: on a shared machine the steadier figure), the seconds
per node (which must not grow with size), the requests made and whether the walk was complete.
Goals: the 1,000-node menu completes in under 60 s. With ``--sizes-baseline`` each size is walked
by the first baseline too.

Then the shipped menu (``menus/wallet.yaml``) is walked by this checkout (default ``--jobs`` and
``--jobs 1``) and by each ``--baseline`` (default: the commit before the path-speed work, the parent
of the commit that added ``ivr/coverage/sameness.py``), each checked out into a temporary ``git
worktree``: ``--rounds`` runs of each, alternating, so a busy machine slows all alike; the medians
and their ratios are reported (goal ≥ 5x against the commit before the work). Every run has a
timeout. The load average is printed with the figures: the machine may be shared.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
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


def walk(tree: Path, menu: Path, budget: float, jobs: int | None = None) -> dict[str, object]:
    """One ``ivr paths`` run of the checkout at ``tree`` on ``menu``: wall and CPU seconds, and its JSON stats."""
    with tempfile.TemporaryDirectory(prefix="ivr-paths-scale-") as tmp:
        out = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "ivr", "paths", "--menu", str(menu), "--budget", f"{budget:g}"]
        command += ["--json", str(out)] + ([] if jobs is None else ["--jobs", str(jobs)])
        env = {**os.environ, "PYTHONPATH": str(tree)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=budget + 120, cwd=tree, env=env, check=False
            )
        except subprocess.TimeoutExpired:
            return {"seconds": None, "error": f"timed out after {budget + 120:g} s"}
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the run and the workers it waited for
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        if done.returncode not in (0, 1) or not out.is_file():
            last = (done.stderr or done.stdout).strip().splitlines()[-1:]
            return {"seconds": None, "error": f"exit {done.returncode}: {last}"}
        report = json.loads(out.read_text(encoding="utf-8"))
    stats = report["stats"]
    return {
        "seconds": round(seconds, 3),
        "cpu_s": round(cpu, 3),
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


class Checkout:
    """An older commit checked out into a temporary ``git worktree`` (removed on exit)."""

    def __init__(self, commit: str) -> None:
        self.commit = subprocess.run(
            ["git", "rev-parse", "--short", commit], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.strip()
        self._tmp = tempfile.TemporaryDirectory(prefix="ivr-paths-baseline-")
        self.tree = Path(self._tmp.name) / "tree"

    def __enter__(self) -> Checkout:
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(self.tree), self.commit], cwd=ROOT, capture_output=True,
            check=True,
        )  # fmt: skip
        return self

    def __exit__(self, *_exc: object) -> None:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(self.tree)], cwd=ROOT, capture_output=True, check=False
        )
        self._tmp.cleanup()


def _median(results: list[dict[str, object]], field: str = "seconds") -> float | None:
    values = [r[field] for r in results if isinstance(r.get(field), float)]
    return round(statistics.median(values), 2) if values and len(values) == len(results) else None


def shared_menu(baselines: list[Checkout]) -> tuple[Path, str]:
    """The shipped menu every side can read: this checkout's, or else the own copy of the first baseline
    that refuses it (a menu may use fields an older loader does not know; a newer one reads an older menu)."""
    for old in baselines:
        checked = subprocess.run(
            [sys.executable, "-m", "ivr", "validate", str(SHIPPED)], capture_output=True, cwd=old.tree,
            env={**os.environ, "PYTHONPATH": str(old.tree)}, check=False,
        )  # fmt: skip
        if checked.returncode != 0:
            return old.tree / "menus" / "wallet.yaml", f"menus/wallet.yaml at {old.commit}"
    return SHIPPED, "menus/wallet.yaml"


def compare(baselines: list[Checkout], rounds: int, budget: float) -> dict[str, object]:
    """Median wall and CPU seconds on the shipped menu: this checkout (default jobs and one job) and
    each baseline, in alternating runs."""
    menu, menu_name = shared_menu(baselines)
    runs: dict[str, list[dict[str, object]]] = {"new": [], "new_jobs1": []} | {b.commit: [] for b in baselines}
    for _ in range(rounds):
        for old in baselines:
            runs[old.commit].append(walk(old.tree, menu, budget))  # the same menu file for all
        runs["new"].append(walk(ROOT, menu, budget))
        runs["new_jobs1"].append(walk(ROOT, menu, budget, jobs=1))
    new_s = _median(runs["new"])
    result: dict[str, object] = {
        "menu": menu_name,
        "rounds": rounds,
        "new_s": new_s,
        "new_cpu_s": _median(runs["new"], "cpu_s"),
        "new_runs": [r["seconds"] for r in runs["new"]],
        "new_requests": runs["new"][0].get("requests"),
        "new_complete": all(r.get("complete") for r in runs["new"]),
        "jobs1_s": _median(runs["new_jobs1"]),
        "jobs1_cpu_s": _median(runs["new_jobs1"], "cpu_s"),
        "jobs1_runs": [r["seconds"] for r in runs["new_jobs1"]],
        "goal": GOAL_RATIO,
        "baselines": [],
    }
    for old in baselines:
        old_runs = runs[old.commit]
        old_s = _median(old_runs)
        result["baselines"].append(  # type: ignore[union-attr]
            {
                "baseline": old.commit,
                "old_s": old_s,
                "old_cpu_s": _median(old_runs, "cpu_s"),
                "old_runs": [r["seconds"] for r in old_runs],
                "old_requests": old_runs[0].get("requests"),
                "old_complete": all(r.get("complete") for r in old_runs),  # else its time is a lower bound
                "same_result": all(
                    (a.get("ok"), a.get("not_covered"), a.get("findings"))
                    == (b.get("ok"), b.get("not_covered"), b.get("findings"))
                    for a, b in zip(old_runs, runs["new"], strict=True)
                ),
                "ratio": round(old_s / new_s, 2) if old_s and new_s else None,
            }
        )
    return result


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
    parser.add_argument(
        "--baseline", action="append", help="an older commit to compare with (repeatable; the first is the ratio)"
    )
    parser.add_argument(
        "--sizes-baseline", action="store_true", help="walk each generated size with the first baseline too"
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs of each side of the comparison (0: skip it)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        wanted = args.rounds or args.sizes_baseline
        baselines = [stack.enter_context(Checkout(c)) for c in args.baseline or [default_baseline()]] if wanted else []
        rows = []
        with tempfile.TemporaryDirectory(prefix="ivr-paths-scale-") as tmp:
            for size in (int(s) for s in args.sizes.split(",")):
                path = Path(tmp) / f"menu-{size}.yaml"
                path.write_text(generate(size), encoding="utf-8")
                row = {"nodes": size, **walk(ROOT, path, args.budget)}
                seconds = row["seconds"]
                row["s_per_node"] = round(seconds / size, 4) if isinstance(seconds, float) else None
                if args.sizes_baseline:
                    row["before"] = {"baseline": baselines[0].commit, **walk(baselines[0].tree, path, args.budget)}
                rows.append(row)
        comparison = compare(baselines, args.rounds, args.compare_budget) if args.rounds else None
    if comparison:  # the first baseline's figures where run_all.py has always read them
        comparison |= {k: v for k, v in comparison["baselines"][0].items()}
    load = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2), "cores": os.cpu_count()}
    largest = next((r for r in rows if r["nodes"] == 1000), None)
    meets = largest is None or (largest.get("complete") and (largest["seconds"] or 1e9) < GOAL_1000_SECONDS)
    if args.json:
        print(json.dumps({"rows": rows, "comparison": comparison, "load": load, "meets_1000_goal": meets}))
        return 0
    print(f"load average {load['before']} -> {load['after']} on {load['cores']} cores")
    print(f"{'nodes':>6}{'seconds':>10}{'cpu s':>9}{'s/node':>9}{'requests':>10}{'waits':>8}   result")
    for r in rows:
        for label, run in (("", r), ("  before", r.get("before"))):
            if run is None:
                continue
            if run["seconds"] is None:
                print(f"{r['nodes']:>6}   {run['error']}{label}")
                continue
            result = ("ok" if run["ok"] else f"{run['findings']} findings") + ("" if run["complete"] else ", BOUND HIT")
            per_node = run["seconds"] / r["nodes"]
            figures = f"{run['seconds']:>10.2f}{run['cpu_s']:>9.2f}{per_node:>9.4f}{run['requests']:>10}"
            print(f"{r['nodes']:>6}{figures}{run['waiting_points']:>8}   {result}{label and ' at ' + run['baseline']}")
    if comparison:
        c = comparison
        print(
            f"shipped menu ({c['menu']}): {c['new_s']} s, {c['new_cpu_s']} s CPU (runs {c['new_runs']}, "
            f"{c['new_requests']} requests); --jobs 1: {c['jobs1_s']} s, {c['jobs1_cpu_s']} s CPU "
            f"(runs {c['jobs1_runs']})"
        )
        for b in c["baselines"]:
            print(
                f"  against {b['old_s']} s, {b['old_cpu_s']} s CPU at {b['baseline']} (runs {b['old_runs']}, "
                f"{b['old_requests']} requests): {b['ratio']}x; same coverage and findings: {b['same_result']}"
                + ("" if b["old_complete"] else " (the older walk hit its budget: its time is a lower bound)")
            )
        print(f"  goal: ≥ {c['goal']:g}x against the commit before the path-speed work")
    return 0  # a missed goal is a figure in the report, not a failure of the benchmark


if __name__ == "__main__":
    sys.exit(main())
