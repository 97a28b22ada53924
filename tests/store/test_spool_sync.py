"""The answer waits for the flush: no webhook is answered before its events are on disk.

With ``SPOOL_SYNC`` each record is ``fdatasync``-ed in the request's own thread before the webhook
is answered, and concurrent requests of one process share a flush (group commit). These tests
watch the real ``os.fdatasync`` calls (wrapped to note when each one returned) against the moment
each answer left the app, over a whole simulated call. A flush that fails does not cost the
caller the answer, nor the store the call.
"""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

from store_support import TUESDAY_NOON, cli_json, flush, simulator, store_app

import ivr.store.spool as spool_module


def test_every_answer_leaves_after_the_flush_that_covers_its_events(sqlite_url: str, tmp_path: Path, monkeypatch):
    timeline: list[str] = []
    lock = threading.Lock()
    real = os.fdatasync

    def fdatasync(fd: int) -> None:
        real(fd)
        with lock:
            timeline.append("flushed")

    monkeypatch.setattr(spool_module.os, "fdatasync", fdatasync)
    app = store_app(sqlite_url, tmp_path / "spool", TUESDAY_NOON)
    inner = app.wsgi_app

    def answered(environ, start_response):  # outside the app: what the server would send now
        result = inner(environ, start_response)
        with lock:
            flushed_before = timeline.count("flushed")
            timeline.append(f"answered after {flushed_before} flushes")
        return result

    app.wsgi_app = answered
    call = simulator(app, from_="+8613912345678").call()
    call.press("1").say("退款", confidence=0.93)  # 普通话 → 付款、充值和退款
    call.press("3").press("0").press("1")  # 退款 → 客服 (0, from the answer) → 支付宝
    call.dial_outcome("completed", 42)
    assert call.ended  # thanked and hung up, then the status callback
    answers = [entry for entry in timeline if entry.startswith("answered")]
    assert len(answers) >= 6
    flushes_seen = 0
    for entry in timeline:
        if entry == "flushed":
            flushes_seen += 1
        else:  # each webhook wrote a record: an answer needs a flush after the previous answer
            assert int(entry.split()[2]) == flushes_seen and flushes_seen > 0, timeline
    assert timeline.count("flushed") >= len(answers)  # one flush per webhook at least (one request at a time)


def test_a_failed_flush_still_answers_the_caller_and_keeps_the_call(sqlite_url: str, tmp_path: Path, monkeypatch,
                                                                     capsys, caplog):  # fmt: skip
    app = store_app(sqlite_url, tmp_path / "spool", TUESDAY_NOON)
    app.extensions["ivr"]["store"].start()  # the spool file exists (its directory fsynced) before the disk fails

    def broken(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(spool_module.os, "fdatasync", broken)
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


def test_requests_waiting_for_one_flush_share_the_next(tmp_path: Path, monkeypatch):
    """Group commit: while a flush is on the device, four more webhooks write their records; one
    flush then covers all four (a gthread worker's concurrent requests), not one flush each."""
    writer = spool_module.SpoolWriter(tmp_path, sync=True)
    real = os.fdatasync
    flushes: list[int] = []
    first_started, others_written = threading.Event(), threading.Event()

    def fdatasync(fd: int) -> None:
        flushes.append(fd)
        if len(flushes) == 1:
            first_started.set()
            assert others_written.wait(10)  # the device is slow: everyone else writes meanwhile
        real(fd)

    monkeypatch.setattr(spool_module.os, "fdatasync", fdatasync)
    first = threading.Thread(target=writer.write, args=({"n": 0},))
    first.start()
    assert first_started.wait(10)
    waiting = [threading.Thread(target=writer.write, args=({"n": n},)) for n in range(1, 5)]
    for thread in waiting:
        thread.start()
    for _ in range(10_000):  # all four written (and then waiting for the flush in flight), within 10 s
        if writer._written == 5:
            break
        threading.Event().wait(0.001)
    others_written.set()
    for thread in (first, *waiting):
        thread.join(10)
    assert len(flushes) == 2  # the first, then one for the four that came during it
    assert sorted(line["n"] for line in spool_module.read_from(writer.path, 0).records) == [0, 1, 2, 3, 4]
    writer.close()


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
