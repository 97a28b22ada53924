"""``ivr report``'s figures against calls whose paths the test chose: exact counts, every call in one outcome."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert

from ivr.analytics import OUTCOMES, build_report
from ivr.analytics.html import render_html
from ivr.analytics.text import render_text
from ivr.call.checks import load_menu
from ivr.cli import main
from ivr.store.migrate import upgrade
from ivr.store.schema import calls, events, messages

ROOT = Path(__file__).resolve().parents[2]
MENU = ROOT / "menus" / "wallet.yaml"
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
SINCE, UNTIL = T0 - timedelta(days=1), T0 + timedelta(days=1)


@pytest.fixture
def tree():
    return load_menu(MENU)


@pytest.fixture
def store(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'ivr.db'}")
    upgrade(engine)  # the real migrations, as `ivr db upgrade` runs them
    return engine


_order = itertools.count()


def _call(engine, sid: str, steps: list[tuple], *, at: datetime = T0, lang: str = "zh-CN") -> None:
    """One call: ``steps`` are (kind, node, columns) in order, ten seconds apart."""
    with engine.begin() as connection:
        connection.execute(
            insert(calls).values(
                call_sid=sid,
                from_number="+8613800000000",
                to_number="+8657100000000",
                language=lang,
                started_at=at,
                updated_at=at,
            )
        )
        for index, (kind, node, columns) in enumerate(steps):
            connection.execute(
                insert(events).values(
                    id=f"{sid}-{index}",
                    call_sid=sid,
                    at=at + timedelta(seconds=10 * index),
                    received_ns=next(_order),
                    seq=0,
                    kind=kind,
                    node=node,
                    **columns,
                )
            )


def _key(node: str, key: str, choice: str | None) -> tuple:
    return ("input", node, {"input_mode": "dtmf", "value": key, "choice": choice})


def _journeys(engine, tree) -> None:
    main_menu = tree.main_menu
    topic = next(n for n, node in tree.nodes.items() if node.kind == "info")
    start = [
        ("start", tree.entry, {}),
        ("enter", tree.entry, {}),
        _key(tree.entry, "1", "zh-CN"),
        ("enter", main_menu, {}),
    ]
    # 1. contained: hears a topic, hangs up
    _call(
        engine,
        "CA1",
        [*start, _key(main_menu, "3", "option 3"), ("enter", topic, {}), ("end", None, {"status": "completed"})],
    )
    # 2. abandoned at the main menu after a silence and a wrong key
    _call(
        engine,
        "CA2",
        [
            *start,
            ("no_input", main_menu, {"attempt": 1}),
            _key(main_menu, "7", None),
            ("end", None, {"status": "completed"}),
        ],
    )
    # 3. transferred, answered
    _call(
        engine,
        "CA3",
        [
            *start,
            ("enter", "to_alipay", {}),
            ("transfer", "to_alipay", {"hotline": "alipay"}),
            ("dial", "to_alipay", {"hotline": "alipay", "status": "completed"}),
        ],
    )
    # 4. transfer busy, then hung up
    _call(
        engine,
        "CA4",
        [
            *start,
            ("enter", "to_alipay", {}),
            ("transfer", "to_alipay", {"hotline": "alipay"}),
            ("dial", "to_alipay", {"hotline": "alipay", "status": "busy"}),
        ],
    )
    # 5. closed hotline, left a message (English, by voice)
    _call(
        engine,
        "CA5",
        [
            *start,
            ("language", tree.entry, {"language": "en-US"}),
            ("input", main_menu, {"input_mode": "speech", "value": "jd pay", "choice": "option 5"}),
            ("enter", "to_jdpay", {}),
            ("closed", "to_jdpay", {"hotline": "jdpay"}),
            ("record", "to_jdpay", {"hotline": "jdpay"}),
            ("recorded", "to_jdpay", {"hotline": "jdpay"}),
        ],
        lang="zh-CN",
    )
    with engine.begin() as connection:
        connection.execute(
            insert(messages).values(
                recording_sid="RE1",
                call_sid="CA5",
                hotline="jdpay",
                recorded_at=T0,
                recording_url="https://api.twilio.com/RE1",
            )
        )
    # 6. a call in the previous period, and one after the period: neither counts in this period
    _call(engine, "CA6", [*start, ("end", None, {})], at=SINCE - timedelta(hours=1))
    _call(engine, "CA7", [*start, ("end", None, {})], at=UNTIL + timedelta(hours=1))


def test_every_figure_counts_the_chosen_calls_exactly(store, tree):
    _journeys(store, tree)
    report = build_report(store, tree, SINCE, UNTIL)
    now, before = report.current, report.previous
    assert now.calls == 5 and before.calls == 1
    assert now.outcomes == {"message": 1, "transferred": 1, "transfer_failed": 1, "contained": 1, "abandoned": 1}
    assert sum(now.outcomes.values()) == now.calls  # every call in exactly one outcome
    assert now.containment == 0.2
    assert now.languages == {"zh-CN": 4, "en-US": 1}
    assert (now.keypad_inputs, now.speech_inputs) == (7, 1)  # five language keys, two keys at the main menu
    topic = next(n for n, node in tree.nodes.items() if node.kind == "info")
    assert now.topics == {topic: 1}
    main_menu = now.menu(tree.main_menu)
    assert (main_menu.entries, main_menu.callers, main_menu.no_inputs, main_menu.no_matches) == (5, 5, 1, 1)
    assert main_menu.abandoned_here == 1
    assert main_menu.no_input_rate == round(1 / 4, 4) and main_menu.no_match_rate == round(1 / 3, 4)
    assert now.transfers == {"alipay": {"completed": 1, "busy": 1}}
    assert now.transfer_attempts == {"alipay": 2}
    assert (now.after_hours_attempts, now.messages_left) == (1, 1)
    assert now.median_seconds_to_topic == 50.0  # the topic is the call's sixth step
    assert now.edges[(tree.entry, tree.main_menu)] == 5
    assert now.funnel == {"calls": 5, "main_menu": 5, "topic_or_hotline": 4, "helped": 3}


def test_the_command_prints_text_json_and_a_self_contained_html_file(store, tree, tmp_path, capsys):
    _journeys(store, tree)
    url = str(store.url)
    args = [
        "report",
        "--menu",
        str(MENU),
        "--database",
        url,
        "--since",
        "2026-11-23T02:00",
        "--until",
        "2026-11-25T02:00",
    ]
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["current"]["calls"] == 5 and data["previous"]["calls"] == 1
    assert set(data["current"]["outcomes"]) == set(OUTCOMES)
    assert main(args) == 0
    assert "containment" in capsys.readouterr().out
    out = tmp_path / "report.html"
    assert main([*args, "--format", "html", "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "http" not in html.split("<body>")[1].replace("http://www.w3.org", "")


def test_an_empty_store_gives_a_report_of_zeros_and_a_missing_store_a_clear_error(store, tree, tmp_path, capsys):
    report = build_report(store, tree, SINCE, UNTIL)
    assert report.current.calls == 0 and report.current.containment is None
    assert "none in this period" in render_text(report)
    assert "Funnel: no calls in this period" in render_html(report)
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    assert main(["report", "--menu", str(MENU), "--database", missing]) == 2
    assert "ivr db upgrade" in capsys.readouterr().err


def test_graph_traffic_draws_caller_counts_on_the_arrows(store, tree, capsys):
    _journeys(store, tree)
    args = [
        "graph",
        str(MENU),
        "--traffic",
        "--database",
        str(store.url),
        "--since",
        "2026-11-23T02:00",
        "--until",
        "2026-11-25T02:00",
    ]
    assert main([*args, "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert "5 callers" in dot and "penwidth" in dot
    assert main(args) == 0
    assert "linkStyle" in capsys.readouterr().out
