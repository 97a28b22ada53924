"""The answer waits for the flush: no webhook is answered before its events are on disk.

With ``SPOOL_SYNC`` the spool's ``fdatasync`` runs in a sync thread while the request finishes
(``Recorder.durable``); these tests watch the real ``os.fdatasync`` calls (wrapped to note when
each one returned) against the moment each answer left the app, over a whole simulated call.
A flush that fails does not cost the caller the answer, nor the store the call.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
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
    assert timeline.count("flushed") >= len(answers)  # one flush per webhook at least (sync workers)


def test_a_failed_flush_still_answers_the_caller_and_keeps_the_call(sqlite_url: str, tmp_path: Path, monkeypatch,
                                                                     capsys, caplog):  # fmt: skip
    app = store_app(sqlite_url, tmp_path / "spool", TUESDAY_NOON)
    app.extensions["ivr"]["store"].start()  # the spool file exists (its directory fsynced) before the disk fails

    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

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


@pytest.mark.parametrize("background", [False, True])
def test_one_flush_covers_every_record_written_before_it(tmp_path: Path, background: bool, monkeypatch):
    calls: list[int] = []
    real = os.fdatasync
    monkeypatch.setattr(spool_module.os, "fdatasync", lambda fd: (calls.append(fd), real(fd))[1])
    writer = spool_module.SpoolWriter(tmp_path, sync=True)
    waits = [writer.write({"n": n}, background=background) for n in range(5)]
    for wait in waits:
        wait()
    assert 1 <= len(calls) <= 2  # not one per record: the first flush (or the thread's) covers them all
    assert [line["n"] for line in spool_module.read_from(writer.path, 0).records] == [0, 1, 2, 3, 4]
    writer.close()
