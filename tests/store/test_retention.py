"""``RETENTION_DAYS`` and ``ivr calls purge``: old calls go, with their events and messages; newer stay.

The wall clock is set (freezegun; ticking, so events keep their order and spool files their
unique names): a call is "last active" when the store received its last
webhook, and ``purge`` measures the retention from now. The app's own clock is set to the same
moments, so each call happens when the store thinks it did. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from store_support import SUNDAY_MORNING, cli, cli_json, flush, simulator, store_app

OLD = SUNDAY_MORNING - timedelta(weeks=14)  # 98 days before: a Sunday morning too, Baidu Wallet closed
RECENT = SUNDAY_MORNING - timedelta(weeks=4)  # within 90 days, a Sunday as well
PURGE_AT = SUNDAY_MORNING + timedelta(days=1)


def _call(database_url: str, spool: Path, at, caller: str, *, message: bool) -> str:
    app = store_app(database_url, spool, at)
    call = simulator(app, from_=caller).call()
    call.press("2").press("5").press("5")  # English → a wallet's customer service → Baidu Wallet
    if message:
        call.press("1").leave_message("please call me back")
    else:
        call.hangup()
    flush(app)
    return call.engine.parties.call_sid


@pytest.fixture
def store(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, ...]:
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    return ("--database-url", database_url, "--spool-dir", str(tmp_path / "spool"))


def test_purge_removes_calls_older_than_the_retention_with_their_events_and_messages(
    database_url: str, tmp_path: Path, store: tuple[str, ...], capsys, monkeypatch: pytest.MonkeyPatch
):
    spool = tmp_path / "spool"
    with freeze_time(OLD, tick=True) as clock:
        old_handled = _call(database_url, spool, OLD, "+8613900000001", message=True)
        old_plain = _call(database_url, spool, OLD, "+8613900000002", message=False)
        old_owed = _call(database_url, spool, OLD, "+8613900000003", message=True)
        for message in cli_json(capsys, "messages", *store):
            if message["call_sid"] == old_handled:
                assert cli(capsys, "messages", "handle", str(message["id"]), *store)[0] == 0
        clock.move_to(RECENT)
        recent = _call(database_url, spool, RECENT, "+8613900000004", message=True)
        clock.move_to(PURGE_AT)
        monkeypatch.setenv("RETENTION_DAYS", "90")
        code, out, err = cli(capsys, "calls", "purge", *store)
    assert code == 0, err
    assert "purged 2 calls" in out
    assert "kept 1 older calls whose messages are not handled yet" in out

    left = {c["call_sid"] for c in cli_json(capsys, "calls", "--limit", "100", *store)}
    assert left == {old_owed, recent}  # the caller still owed a callback is kept, the recent call too
    for gone in (old_handled, old_plain):
        code, _, err = cli(capsys, "calls", "show", gone, *store)
        assert code == 1 and "no call" in err
    assert {m["call_sid"] for m in cli_json(capsys, "messages", *store)} == {old_owed, recent}
    shown = cli_json(capsys, "calls", "show", recent, *store)
    assert shown["events"][0]["kind"] == "start" and shown["events"][-1]["kind"] == "end"  # its events kept whole


def test_a_shorter_retention_on_the_command_line_reaches_newer_calls(
    database_url: str, tmp_path: Path, store: tuple[str, ...], capsys
):
    spool = tmp_path / "spool"
    with freeze_time(RECENT, tick=True) as clock:
        recent = _call(database_url, spool, RECENT, "+8613900000005", message=False)
        clock.move_to(PURGE_AT)
        code, out, _ = cli(capsys, "calls", "purge", "--days", "90", *store)
        assert code == 0 and "purged 0 calls" in out
        assert [c["call_sid"] for c in cli_json(capsys, "calls", *store)] == [recent]
        code, out, _ = cli(capsys, "calls", "purge", "--days", "7", *store)
    assert code == 0 and "purged 1 calls" in out
    assert cli_json(capsys, "calls", *store) == []


def test_purge_refuses_a_retention_under_a_day(store: tuple[str, ...], capsys):
    code, _, err = cli(capsys, "calls", "purge", "--days", "0", *store)
    assert code == 2 and "at least 1" in err
