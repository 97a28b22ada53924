"""Call digests (``ivr.store.digest``): the report's one row per call, kept as events arrive.

Each test runs on SQLite and on a real PostgreSQL server (``database_url``) unless it is about the
SQLite file itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import insert, select
from store_support import ROOT, SUNDAY_MORNING, TUESDAY_NOON, cli, cli_json, flush, simulator, store_app

from ivr.store import digest
from ivr.store.database import open_engine
from ivr.store.migrate import upgrade
from ivr.store.schema import call_digests, calls, events

WEEK = ("--since", "2026-12-01", "--until", "2026-12-10")
MINIMAL = str(ROOT / "menus" / "examples" / "minimal.yaml")  # 1 refunds (guidance), 2 agents: alipay, jdpay


def _report(capsys, database_url: str) -> dict:
    code, out, err = cli(capsys, "report", *WEEK, "--menu", MINIMAL, "--database-url", database_url, "--format", "json")
    assert code == 0, err
    return json.loads(out)["current"]


def test_a_call_is_in_the_report_as_its_webhooks_arrive_and_its_end_updates_it(database_url, tmp_path, capsys):
    app = store_app(database_url, tmp_path / "spool", TUESDAY_NOON, MENU_FILE=MINIMAL)
    call = simulator(app).call()
    call.press("1").press("1")  # 普通话 → main menu → refunds (guidance)
    flush(app)
    during = _report(capsys, database_url)
    assert during["calls"] == 1 and during["outcomes"]["contained"] == 1
    assert during["funnel"] == {"calls": 1, "main_menu": 1, "topic_or_hotline": 1, "helped": 1}

    call.hangup()
    flush(app)
    engine = open_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(
            select(call_digests.c.source_updated_at, calls.c.updated_at).join(
                calls, calls.c.call_sid == call_digests.c.call_sid
            )
        ).one()
    engine.dispose()
    assert row[0] == row[1]  # the end (status callback) remade the digest in the same transaction
    shown = cli_json(capsys, "calls", "show", call.engine.parties.call_sid, "--database-url", database_url,
                     "--spool-dir", str(tmp_path / "spool"))  # fmt: skip
    after = _report(capsys, database_url)
    assert shown["call"]["path"] == ["welcome", "main", "refunds"] and after["topics"] == {"refunds": 1}
    assert after["outcomes"] == during["outcomes"]


def test_a_message_and_a_busy_transfer_land_in_their_outcomes(database_url, tmp_path, capsys):
    closed = store_app(database_url, tmp_path / "spool-a", SUNDAY_MORNING, MENU_FILE=MINIMAL)
    call = simulator(closed).call()
    call.press("2").press("2").press("2")  # English → customer service → JD Pay, closed on Sunday
    call.press("1").leave_message("please call me back")
    flush(closed)
    open_line = store_app(database_url, tmp_path / "spool-b", TUESDAY_NOON, MENU_FILE=MINIMAL)
    busy = simulator(open_line).call()
    busy.press("2").press("2").press("1")  # English → customer service → Alipay, open all day
    busy.dial_outcome("busy", 0)
    flush(open_line)
    figures = _report(capsys, database_url)
    assert figures["calls"] == 2
    assert figures["outcomes"]["message"] == 1 and figures["outcomes"]["transfer_failed"] == 1
    assert figures["after_hours"] == {"attempts": 1, "by_hotline": {"jdpay": 1}, "messages_left": 1}
    assert figures["transfers"]["alipay"] == {"attempts": 1, "outcomes": {"busy": 1}}
    assert sum(figures["outcomes"].values()) == 2


def test_an_upgrade_makes_the_digests_of_the_calls_already_stored(tmp_path):
    url = f"sqlite:///{tmp_path}/old.db"
    engine = open_engine(url)
    upgrade(engine, "0001")  # a store from before digests, with one call in it
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(insert(calls).values(call_sid="CA1", started_at=at, updated_at=at, language="zh-CN"))
        for seq, (kind, node) in enumerate([("start", "welcome"), ("enter", "welcome"), ("enter", "main")]):
            connection.execute(insert(events).values(id=f"E{seq}", call_sid="CA1", at=at, received_ns=seq, seq=0,
                                                     kind=kind, node=node))  # fmt: skip
    upgrade(engine)
    with engine.connect() as connection:
        (journey,) = list(digest.journeys(connection, (at, at, datetime(2026, 12, 2, tzinfo=UTC))))
    engine.dispose()
    assert journey.path == ("welcome", "main") and journey.calls == 1 and journey.later
