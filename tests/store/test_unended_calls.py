"""A call whose status callback never came (``/voice/status`` is optional on the number) is shown in
progress only while it can still be: Twilio ends every call by its account's time limit, 4 hours
unless raised, so ``ivr calls`` shows an older one as over, saying that no status came.

Each test runs on SQLite and on a real PostgreSQL server (``database_url``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from store_support import cli, cli_json, spooled

from ivr.store.database import open_engine
from ivr.store.digest import LONGEST_CALL
from ivr.store.ingest import ingest
from ivr.store.migrate import upgrade

STARTED = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)


def _store(database_url: str) -> None:
    """CA1 reached the main menu and no status came; CA2 did the same and its status came."""
    engine = open_engine(database_url)
    upgrade(engine)
    start = {"kind": "start", "node": "welcome", "language": "zh-CN", "from_number": "+8613800000001"}
    with engine.begin() as connection:
        for sid in ("CA1", "CA2"):
            records = [
                spooled(1, sid, STARTED, start, {"kind": "enter", "node": "welcome"}),
                spooled(2, sid, STARTED + timedelta(seconds=5), {"kind": "enter", "node": "main"}),
            ]
            ingest(connection, records, now=STARTED)
        ended = {"kind": "end", "status": "completed", "duration_s": 20}
        ingest(connection, [spooled(3, "CA2", STARTED + timedelta(seconds=20), ended)], now=STARTED)
    engine.dispose()


def _outcomes(capsys, database_url: str) -> dict[str, str]:
    listed = cli_json(capsys, "calls", "--database-url", database_url)
    return {call["call_sid"]: call["outcome"] for call in listed}


def test_a_call_with_no_status_is_in_progress_while_it_can_last(database_url, capsys):
    _store(database_url)
    with freeze_time(STARTED + LONGEST_CALL - timedelta(minutes=1)):
        assert _outcomes(capsys, database_url) == {"CA1": "in progress", "CA2": "hung up at main"}
        shown = cli_json(capsys, "calls", "show", "CA1", "--database-url", database_url)
    assert shown["call"]["outcome"] == "in progress"


def test_a_call_older_than_any_call_can_last_is_over_and_says_no_status_came(database_url, capsys):
    _store(database_url)
    with freeze_time(STARTED + LONGEST_CALL + timedelta(minutes=1)):
        assert _outcomes(capsys, database_url) == {
            "CA1": "hung up at main (no call status came)",
            "CA2": "hung up at main",
        }
        shown = cli_json(capsys, "calls", "show", "CA1", "--database-url", database_url)
    assert shown["call"]["outcome"] == "hung up at main (no call status came)"
    assert shown["call"]["call_status"] is None  # nothing is made up: only the outcome says it is over


def test_the_timeline_of_such_a_call_says_no_status_came(database_url, capsys):
    _store(database_url)
    with freeze_time(STARTED + LONGEST_CALL + timedelta(minutes=1)):
        code, text, _ = cli(capsys, "calls", "show", "CA1", "--database-url", database_url)
    assert code == 0
    assert "(no status came, - s)" in text and "outcome: hung up at main (no call status came)" in text
    with freeze_time(STARTED + timedelta(minutes=1)):
        _, text, _ = cli(capsys, "calls", "show", "CA1", "--database-url", database_url)
    assert "(no status yet, - s)" in text and "outcome: in progress" in text
