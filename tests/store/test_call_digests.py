"""Call digests (``ivr.store.digest``): the report's one row per call, made when a call ends.

Each test runs on SQLite and on a real PostgreSQL server (``database_url``) unless it is about the
SQLite file itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from store_support import ROOT, SUNDAY_MORNING, TUESDAY_NOON, cli, cli_json, flush, simulator, spooled, store_app

from ivr.store import digest
from ivr.store.database import open_engine
from ivr.store.forwarder import Forwarder
from ivr.store.ingest import ingest
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


def _digested(engine) -> dict[str, list[str]]:
    with engine.connect() as connection:
        rows = connection.execute(select(call_digests.c.call_sid, call_digests.c.journey)).all()
    return {sid: json.loads(journey)["path"] for sid, journey in rows}


def test_a_call_is_digested_once_it_ends_and_kept_fresh_after(database_url):
    """Remaking a digest at every webhook read each call's events again and again (a third of the
    forwarder's CPU); a call in progress waits for its end, or for a report, which makes it."""
    engine = open_engine(database_url)
    upgrade(engine)
    t = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
    start = {"kind": "start", "node": "welcome", "language": "zh-CN", "from_number": "+8613800000001"}
    with engine.begin() as connection:
        ingest(connection, [spooled(1, "CA1", t, start, {"kind": "enter", "node": "welcome"})], now=t)
        ingest(connection, [spooled(2, "CA1", t, {"kind": "enter", "node": "main"})], now=t)
    assert _digested(engine) == {}  # in progress
    with engine.begin() as connection:
        ingest(connection, [spooled(3, "CA1", t, {"kind": "end", "status": "completed", "duration_s": 30})], now=t)
    assert _digested(engine) == {"CA1": ["welcome", "main"]}
    with engine.begin() as connection:  # a recording reported after the hang-up: the digest follows
        late = {"kind": "message", "node": "main", "status": "completed", "value": "https://api.twilio.com/r.wav",
                "recording_sid": "RE1", "duration_s": 12}  # fmt: skip
        ingest(connection, [spooled(4, "CA1", t, late)], now=t)
        (has_message,) = connection.execute(select(call_digests.c.has_message)).one()
    engine.dispose()
    assert has_message == 1


def test_a_call_that_never_ends_is_digested_once_it_has_been_quiet_a_minute(database_url, tmp_path):
    """A number whose status callback is not set never sends an end: the forwarder's settle pass
    digests such a call after it went quiet, and only then."""
    engine = open_engine(database_url)
    upgrade(engine)
    t = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
    with engine.begin() as connection:
        ingest(connection, [spooled(1, "CA2", t, {"kind": "start", "node": "welcome"},
                                    {"kind": "enter", "node": "welcome"})], now=t)  # fmt: skip
    clock = [t + timedelta(seconds=30)]
    (tmp_path / "spool").mkdir()
    forwarder = Forwarder(engine, tmp_path / "spool", clock=lambda: clock[0], settle_every=0)
    forwarder.flush()
    assert _digested(engine) == {}  # 30 s of silence: the caller may still be listening
    clock[0] = t + digest.QUIET + timedelta(seconds=1)
    forwarder.flush()
    assert _digested(engine) == {"CA2": ["welcome"]}
    engine.dispose()
