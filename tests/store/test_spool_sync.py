"""The answer waits for the disk: no webhook is answered before its events are in the spool, on disk.

With ``SPOOL_SYNC`` the spool file is opened ``O_DSYNC`` (open(2): each ``write`` returns once the
data is on the device), so "written" is "durable". These tests watch the real ``os.write`` calls
on spool descriptors against the moment each answer left the app, over a whole simulated call,
and check the descriptor's flags. A write that fails does not cost the caller the answer, nor the
store the call.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from pathlib import Path

from store_support import TUESDAY_NOON, cli_json, flush, simulator, store_app

import ivr.store.spool as spool_module


def _synced(fd: int) -> bool:
    return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DSYNC)


def test_every_answer_leaves_after_its_events_are_written_to_a_synchronous_file(sqlite_url: str, tmp_path: Path,
                                                                                monkeypatch):  # fmt: skip
    timeline: list[str] = []
    lock = threading.Lock()
    real = os.write

    def write(fd: int, data) -> int:
        written = real(fd, data)
        with lock:
            timeline.append("written, synchronous" if _synced(fd) else "written, NOT synchronous")
        return written

    monkeypatch.setattr(spool_module.os, "write", write)
    app = store_app(sqlite_url, tmp_path / "spool", TUESDAY_NOON)
    inner = app.wsgi_app

    def answered(environ, start_response):  # outside the app: what the server would send now
        result = inner(environ, start_response)
        with lock:
            timeline.append("answered")
        return result

    app.wsgi_app = answered
    call = simulator(app, from_="+8613912345678").call()
    call.press("1").say("退款", confidence=0.93)  # 普通话 → 付款、充值和退款
    call.press("3").press("0").press("1")  # 退款 → 客服 (0, from the answer) → 支付宝
    call.dial_outcome("completed", 42)
    assert call.ended  # thanked and hung up, then the status callback
    assert timeline.count("answered") >= 6
    assert "written, NOT synchronous" not in timeline
    previous = None
    for entry in timeline:  # each webhook writes its record, then is answered: never two answers in a row
        assert not (entry == previous == "answered"), timeline
        previous = entry
    assert timeline[0].startswith("written") and timeline[-1] == "answered"


def test_without_spool_sync_the_file_is_not_synchronous(sqlite_url: str, tmp_path: Path):
    synced = spool_module.SpoolWriter(tmp_path / "a", sync=True)
    unsynced = spool_module.SpoolWriter(tmp_path / "b", sync=False)
    assert _synced(synced._fd) and not _synced(unsynced._fd)
    synced.close()
    unsynced.close()


def test_a_failed_write_still_answers_the_caller_and_keeps_the_call(sqlite_url: str, tmp_path: Path, monkeypatch,
                                                                     capsys, caplog):  # fmt: skip
    app = store_app(sqlite_url, tmp_path / "spool", TUESDAY_NOON)
    app.extensions["ivr"]["store"].start()  # the spool file exists (its directory fsynced) before the disk fails

    def broken(fd: int, data) -> int:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(spool_module.os, "write", broken)
    call = simulator(app, from_="+8613912345678").call()
    call.press("2")  # English: the main menu is heard
    call.expect_heard("Press 2 for")
    call.hangup()
    monkeypatch.undo()
    flush(app)
    assert "could not write call" in caplog.text and "keeping them in memory" in caplog.text
    shown = cli_json(capsys, "calls", "show", call.engine.parties.call_sid, "--database-url", sqlite_url)
    assert shown["call"]["from"] == "+8613912345678"
    assert shown["call"]["call_status"] == "completed"


def test_a_full_file_is_retired_and_its_records_still_forwarded(tmp_path: Path, sqlite_url: str):
    from ivr.store.database import open_engine
    from ivr.store.forwarder import Forwarder
    from ivr.store.migrate import upgrade

    writer = spool_module.SpoolWriter(tmp_path / "spool", sync=True, rotate_bytes=600)
    first = writer.path
    records = [{"id": f"r{n:022d}", "call": "CA" + "1" * 32, "at": "2026-12-08T04:00:00+00:00", "ns": n,
                "events": [{"kind": "enter", "node": "main", "language": "en-US"}]} for n in range(8)]  # fmt: skip
    for record in records:
        writer.write(record)
    assert writer.path != first  # rotated on the way
    engine = open_engine(sqlite_url)
    upgrade(engine)
    forwarder = Forwarder(engine, tmp_path / "spool", own=writer)
    assert forwarder.flush() == len(records)
    assert not first.exists()  # the retired file was drained, then deleted
    writer.close()
    engine.dispose()
