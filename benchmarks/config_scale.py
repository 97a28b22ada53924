"""How the menu tooling scales with the size of the config: 100, 1,000 and 10,000 nodes.

    .venv/bin/python benchmarks/config_scale.py [--sizes 100,1000,10000] [--repeat 3] [--json]

Generates valid menu files in a temporary directory (the languages, defaults and messages of
``menus/examples/minimal.yaml``; menus of at most 6 options, info nodes, transfers to hotlines with
weekly hours, holidays and special dates, a goodbye fallback), checks that each loads with no
error, and prints for each size: the file size, the time to load + validate it (``check_menu``,
what ``ivr validate`` and every hot reload do; best of ``--repeat``), the validator's share, and
the path-coverage time of ``ivr paths``. Goal: 10,000 nodes in under 1 s (reported, not an
exit status: the script fails only if a generated file does not validate).

The path-coverage figure runs ``ivr paths`` (bounded by ``--paths-budget``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ivr.call.checks import check_menu
from ivr.menu.validator import validate

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "menus" / "examples" / "minimal.yaml"
GOAL_SECONDS = 1.0
MAX_OPTIONS = 6  # keys 1-6; 0, *, 8 and 9 are the global keys


def _header() -> str:
    """Everything of the example file above its hotlines: languages, defaults, messages, words."""
    text = BASE.read_text(encoding="utf-8")
    return text[: text.index("\nhotlines:")] + "\n"


def _hotlines(count: int) -> list[str]:
    lines = ["hotlines:"]
    for i in range(count):
        lines += [
            f"  line{i}:",
            f"    name: {{zh-CN: 热线{i}, en-US: Line {i}}}",
            f'    number: "400{i:07d}"',
        ]
        if i % 4 == 0:
            continue  # some hotlines are always open
        lines += [
            "    hours:",
            "      timezone: Asia/Shanghai" if i % 2 else "      timezone: Europe/Berlin",
            "      weekly:",
            '        mon-fri: ["09:00-12:00", "13:00-18:00"]',
            '        sat: "10:00-16:00"',
            "      dates:",
            "        2027-02-06: closed",
            '        2026-12-31: "09:00-12:00"',
        ]
    return lines


def generate(nodes: int) -> str:
    """A valid menu file with ``nodes`` nodes (the welcome, main and goodbye nodes included).

    Breadth first from the main menu: each menu gets up to 6 children, cycling through sub-menus,
    info nodes and transfers so every level has all three, until the count is reached; a menu
    left without children leads to a transfer. Every option has a keyword, unique in its menu."""
    hotline_count = max(1, min(50, nodes // 20))
    body = ["nodes:"]
    body += [
        "  welcome:",
        "    kind: language",
        "    prompt: {zh-CN: 您好，欢迎致电。, en-US: Welcome.}",
        "    options:",
        '      - {key: "1", language: zh-CN, label: {zh-CN: 普通话服务}}',
        '      - {key: "2", language: en-US, label: {en-US: English}}',
        "    next: main",
        "  goodbye_numbers:",
        "    kind: goodbye",
        "    text: {zh-CN: 再见。, en-US: Goodbye.}",
        "  agents:",
        "    kind: transfer",
        "    title: {zh-CN: 人工服务, en-US: an agent}",
        "    hotline: line0",
    ]
    budget = nodes - 4  # welcome, goodbye, agents, main
    children: dict[str, list[tuple[str, str]]] = {}  # menu id -> (child id, kind)
    kinds = ("menu", "info", "transfer", "info", "menu", "transfer")
    queue = ["main"]
    serial = 0
    while queue and budget > 0:
        menu = queue.pop(0)
        children[menu] = []
        for slot in range(MAX_OPTIONS):
            if budget == 0:
                break
            kind = kinds[(serial + slot) % len(kinds)]
            child = f"n{serial}"
            serial += 1
            budget -= 1
            children[menu].append((child, kind))
            if kind == "menu":
                queue.append(child)
    for menu in [*queue, *(m for m in children if not children[m])]:
        children[menu] = []
    for menu_id, kids in children.items():
        title = "主菜单" if menu_id == "main" else f"菜单{menu_id}"
        body += [
            f"  {menu_id}:",
            "    kind: menu",
            f"    title: {{zh-CN: {title}, en-US: menu {menu_id}}}",
            f"    prompt: {{zh-CN: 请选择。, en-US: Please choose ({menu_id}).}}",
            "    options:",
        ]
        targets = kids or [("agents", "transfer")]
        for key, (child, _kind) in enumerate(targets, start=1):
            body.append(
                f'      - {{key: "{key}", goto: {child}, keywords: {{zh-CN: [选项{child}], en-US: [option {child}]}}}}'
            )
        for child, kind in kids:
            if kind == "info":
                body += [
                    f"  {child}:",
                    "    kind: info",
                    f"    title: {{zh-CN: 话题{child}, en-US: topic {child}}}",
                    "    text:",
                    f"      zh-CN: 这是关于{child}的说明。请先在应用里查看，再联系客服。",
                    f"      en-US: This is the guidance for {child}. Check the app first, then call support.",
                    "    prompt: {zh-CN: 还需要什么帮助？, en-US: What else can I do for you?}",
                    "    options:",
                    '      - {key: "1", action: repeat}',
                    '      - {key: "2", goto: agents}',
                    '      - {key: "3", action: main}',
                ]
            elif kind == "transfer":
                body += [
                    f"  {child}:",
                    "    kind: transfer",
                    f"    title: {{zh-CN: 转接{child}, en-US: support for {child}}}",
                    f"    hotline: line{int(child[1:]) % hotline_count}",
                ]
    return _header() + "\n".join(_hotlines(hotline_count) + body) + "\n"


def load_and_validate(path: Path, repeat: int) -> tuple[float, float, int]:
    """Best-of-``repeat`` seconds for ``check_menu`` (load + validate) and for ``validate`` alone; node count."""
    best_total = best_validate = float("inf")
    nodes = 0
    for _ in range(repeat):
        started = time.perf_counter()
        tree, diagnostics = check_menu(path)
        best_total = min(best_total, time.perf_counter() - started)
        errors = [d for d in diagnostics if d.severity == "error"]
        if tree is None or errors:
            raise SystemExit(f"generated file {path} does not validate:\n" + "\n".join(map(str, errors[:10])))
        nodes = len(tree.nodes)
        started = time.perf_counter()
        validate(tree)
        best_validate = min(best_validate, time.perf_counter() - started)
    return best_total, best_validate, nodes


def path_coverage_seconds(path: Path, budget: float) -> float | str:
    """The wall time of ``ivr paths`` (path coverage through the simulator) on ``path``.
    Run as the CLI (``--menu``, ``--budget``), so interpreter start-up is included; a run that
    reaches the budget is reported as such, not as a time."""
    command = [sys.executable, "-m", "ivr", "paths", "--menu", str(path), "--budget", f"{budget:g}"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=budget + 120, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: something to report, or a bound hit; still a timing
        last = (done.stderr or done.stdout).strip().splitlines()[-1:]
        return f"failed (exit {done.returncode}): {last}"
    if seconds >= budget:
        return f"> {budget:g} (budget reached)"
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated node counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best is reported")
    parser.add_argument("--paths-budget", type=float, default=60, help="seconds ivr paths may take per tree")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="ivr-config-scale-") as tmp:
        files = []
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"menu-{size}.yaml"
            path.write_text(generate(size), encoding="utf-8")
            total, validator, nodes = load_and_validate(path, args.repeat)
            files.append(path)
            rows.append(
                {
                    "nodes": nodes,
                    "kib": round(path.stat().st_size / 1024),
                    "load_validate_s": round(total, 4),
                    "validate_s": round(validator, 4),
                }
            )
        # After all the load timings, so its worker processes cannot share the cores with them.
        for row, path in zip(rows, files, strict=True):
            coverage = path_coverage_seconds(path, args.paths_budget)
            row["paths_s"] = round(coverage, 3) if isinstance(coverage, float) else coverage
    largest = max(rows, key=lambda r: r["nodes"])
    ok = largest["nodes"] < 10_000 or largest["load_validate_s"] < GOAL_SECONDS
    if args.json:
        print(json.dumps({"rows": rows, "goal_s": GOAL_SECONDS, "meets_goal": ok}))
    else:
        print(f"{'nodes':>7}{'file KiB':>10}{'load+validate s':>17}{'of which validate s':>21}   ivr paths s")
        for r in rows:
            paths = f"{r['paths_s']:.3f}" if isinstance(r["paths_s"], float) else r["paths_s"]
            print(f"{r['nodes']:>7}{r['kib']:>10}{r['load_validate_s']:>17.3f}{r['validate_s']:>21.3f}   {paths}")
        if largest["nodes"] >= 10_000:
            verdict = "meets" if ok else "MISSES"
            print(
                f"{largest['nodes']:,} nodes: {largest['load_validate_s']:.3f} s "
                f"({verdict} the goal of < {GOAL_SECONDS:g} s)"
            )
    return 0  # a missed goal is a figure in the report, not a failure of the benchmark


if __name__ == "__main__":
    sys.exit(main())
