"""The done-when of the analytics issue, through the real commands and the real store: after
``ivr simulate --calls 500 --seed 1`` the report's figures add up, every call counted once in
exactly one outcome, and agree with ``ivr calls`` and ``ivr messages``.

The traffic runs in its own process, as a user runs it: its calls reach the SQLite store through
the spool, which the process forwards as it exits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CALLS = 500


def _ivr(env: dict[str, str], *argv: str) -> str:
    done = subprocess.run([sys.executable, "-m", "ivr", *argv], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_after_500_simulated_calls_the_report_adds_up_and_agrees_with_the_call_list(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/ivr.db", "SPOOL_DIR": str(tmp_path / "spool"),
           "MENU_FILE": str(ROOT / "menus" / "wallet.yaml"), "CALL_STORE": "true"}  # fmt: skip
    env.pop("SIP_TRUNK_HOST", None)  # the traffic dials through a stand-in trunk host when none is set
    placed = _ivr(env, "simulate", "--calls", str(CALLS), "--seed", "1", "--since", "2026-11-23")
    assert f"Placed {CALLS} calls" in placed and "0 problem(s)" in placed
    report = json.loads(_ivr(env, "report", "--since", "2026-11-20", "--until", "2026-12-02", "--format", "json"))
    now = report["current"]

    assert now["calls"] == CALLS
    assert sum(now["outcomes"].values()) == CALLS  # each call in exactly one outcome
    assert all(now["outcomes"][name] > 0 for name in now["outcomes"]), now["outcomes"]  # the mix reaches them all
    assert now["funnel"]["calls"] == CALLS
    helped = now["outcomes"]["message"] + now["outcomes"]["transferred"] + now["outcomes"]["contained"]
    assert now["funnel"]["helped"] == helped
    assert CALLS >= now["funnel"]["main_menu"] >= now["funnel"]["topic_or_hotline"] >= helped
    assert sum(now["languages"].values()) == CALLS
    assert now["after_hours"]["messages_left"] == now["outcomes"]["message"]
    answered = sum(t["outcomes"].get("completed", 0) for t in now["transfers"].values())
    assert answered >= now["outcomes"]["transferred"] > 0
    assert report["previous"]["calls"] == 0  # nothing before the traffic's week

    listed = json.loads(_ivr(env, "calls", "--limit", str(CALLS * 2), "--json"))
    assert len(listed) == CALLS
    inbox = json.loads(_ivr(env, "messages", "--json"))
    assert len(inbox) == now["after_hours"]["messages_left"]
    assert len({m["call_sid"] for m in inbox}) == now["outcomes"]["message"]  # one message per such call
