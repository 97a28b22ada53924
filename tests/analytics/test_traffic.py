"""``ivr simulate --calls``: a reproducible week of plausible calls, each a real call to the app."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ivr.cli import main
from ivr.simulator import Simulator
from ivr.traffic import CallerMix, TrafficClock, place_calls
from ivr.web import create_app

ROOT = Path(__file__).resolve().parents[2]
MENU = ROOT / "menus" / "wallet.yaml"
WEEK = datetime(2026, 11, 23, tzinfo=UTC)


def _place(count: int, seed: int, mix: CallerMix | None = None):
    clock = TrafficClock()
    app = create_app({"MENU_FILE": str(MENU), "USE_AUDIO": "false", "TWILIO_AUTH_TOKEN": ""}, clock=clock)
    seen: list[datetime] = []
    app.before_request(lambda: seen.append(clock()) and None)
    simulator = Simulator(app, strict=False, seed=seed, status_callback="/voice/status")
    tree = app.extensions["ivr"]["menu"].current()
    calls = place_calls(simulator, tree, clock, count, seed=seed, since=WEEK, mix=mix)
    return calls, seen


def test_the_same_seed_places_the_same_calls_and_another_seed_others():
    first, _ = _place(40, seed=7)
    again, _ = _place(40, seed=7)
    other, _ = _place(40, seed=8)
    key = [(c.at, c.caller, c.end, c.actions) for c in first]
    assert key == [(c.at, c.caller, c.end, c.actions) for c in again]
    assert key != [(c.at, c.caller, c.end, c.actions) for c in other]


def test_calls_fall_in_the_week_mostly_by_day_and_the_app_sees_each_calls_own_time():
    calls, seen = _place(300, seed=1)
    assert all(WEEK - timedelta(days=1) < c.at < WEEK + timedelta(days=8) for c in calls)
    local_hours = Counter((c.at + timedelta(hours=8)).hour for c in calls)  # Asia/Shanghai, the hotlines' zone
    daytime = sum(n for h, n in local_hours.items() if 8 <= h < 22)
    assert daytime > 0.8 * len(calls)
    # every request the app answered was stamped inside one of the calls, not at the wall clock
    assert seen and all(WEEK - timedelta(days=1) < at < WEEK + timedelta(days=8) for at in seen)


def test_the_mix_reaches_transfers_messages_wrong_keys_and_hang_ups_without_problems():
    calls, _ = _place(300, seed=3)
    assert sum(c.problems for c in calls) == 0
    ends = Counter(c.end for c in calls)
    assert ends["caller hung up"] > 0 and ends["<Hangup>"] > 0


def test_a_caller_mix_with_no_patience_hangs_up_at_the_first_menu():
    impatient = CallerMix(option=0, speech=0, wrong_key=0, global_key=0, silence=0, hang_up=1, languages=(1, 0))
    calls, _ = _place(20, seed=1, mix=impatient)
    assert {c.end for c in calls} == {"caller hung up"}
    assert {c.actions for c in calls} <= {1, 2, 3}  # language (or its silence), then the hang-up


def test_the_command_places_the_calls_and_refuses_a_url(capsys):
    assert main(["simulate", "--calls", "25", "--seed", "2", "--since", "2026-11-23", "--menu", str(MENU)]) == 0
    out = capsys.readouterr().out
    assert "Placed 25 calls" in out and "0 problem(s)" in out
    assert main(["simulate", "http://127.0.0.1:9/voice/incoming", "--calls", "5"]) == 2
    assert "--calls only works without a URL" in capsys.readouterr().err
