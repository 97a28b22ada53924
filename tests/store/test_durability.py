"""Durable: a webhook the service acknowledged is never lost, even when its worker is SIGKILLed.

Real gunicorn (2 sync workers) on 127.0.0.1 under a signed load of incoming calls and recording
callbacks (bounded: at most a few seconds and ``MAX_REQUESTS``). Forwarding is set to every 2 s,
so at the moment of the kill the victim has acknowledged events that exist only in its spool: an
in-memory queue would lose them. The replacement worker (or the other one) adopts the dead
worker's spool, and every acknowledged call and message is in the database exactly once.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import requests
from services import TOKEN, gunicorn, service_env, signed
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from benchmarks.harness import free_port
from ivr.store.database import open_engine
from ivr.store.schema import calls, events, messages

MAX_REQUESTS = 1500
LOAD_SECONDS = 4.0
CLIENTS = 4


def _load(base: str, stop: threading.Event, acknowledged: list[tuple[str, str]], lock: threading.Lock,
          client: int) -> None:  # fmt: skip
    session = requests.Session()
    n = 0
    while not stop.is_set():
        n += 1
        with lock:
            if len(acknowledged) >= MAX_REQUESTS:
                return
        sid = f"CA{client:02d}{n:030d}"
        if n % 3:
            path, params = "/voice/incoming", {"CallSid": sid, "From": "+8613812345678", "To": "+8657100000000"}
            kind = "call"
        else:
            recording = f"RE{client:02d}{n:030d}"
            path = "/voice/node/to_baiduwallet/recording?lang=en-US&mode=closed"
            params = {
                "CallSid": sid, "RecordingSid": recording, "RecordingStatus": "completed", "RecordingDuration": "7",
                "RecordingUrl": f"https://api.twilio.com/x/Recordings/{recording}",
            }  # fmt: skip
            kind = "message"
        try:
            response = session.post(base + path, data=params, headers=signed(base + path, params), timeout=10)
        except requests.RequestException:
            continue  # the worker died under this request: not acknowledged
        if response.status_code in (200, 204):
            with lock:
                acknowledged.append((kind, sid))


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_no_acknowledged_event_or_message_is_lost_when_a_worker_is_killed(db: str, tmp_path: Path, request):
    url = f"sqlite:///{tmp_path}/ivr.db" if db == "sqlite" else request.getfixturevalue("postgres_url")
    spool = tmp_path / "spool"
    port_env = {"SPOOL_FORWARD_MS": "2000"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with gunicorn(service_env(url, spool, base, **port_env), port=port) as service:
        acknowledged: list[tuple[str, str]] = []
        lock, stop = threading.Lock(), threading.Event()
        threads = [threading.Thread(target=_load, args=(base, stop, acknowledged, lock, c)) for c in range(CLIENTS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + LOAD_SECONDS
        while len(acknowledged) < 150 and time.monotonic() < deadline:
            time.sleep(0.02)
        victim = service.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        killed_after = len(acknowledged)
        while time.monotonic() < deadline and len(acknowledged) < MAX_REQUESTS:
            time.sleep(0.05)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        assert victim not in service.worker_pids(), "gunicorn should have replaced the killed worker"
        assert killed_after >= 150 and len(acknowledged) > killed_after, "the load went on across the kill"

        wanted_calls = {sid for kind, sid in acknowledged if kind == "call"}
        wanted_messages = {sid for kind, sid in acknowledged if kind == "message"}
        engine = open_engine(url)
        give_up = time.monotonic() + 30  # the forwarders run every 2 s; adoption happens on their next round
        while True:
            try:
                with engine.connect() as connection:
                    started = set(connection.scalars(select(events.c.call_sid).where(events.c.kind == "start")))
                    stored = set(connection.scalars(select(messages.c.call_sid)))
            except DBAPIError:  # no tables yet: the service's forwarder creates them, later on a loaded machine
                started, stored = set(), set()
            if (wanted_calls <= started and wanted_messages <= stored) or time.monotonic() > give_up:
                break
            time.sleep(0.2)
        assert wanted_calls - started == set(), f"{len(wanted_calls - started)} acknowledged calls lost"
        assert wanted_messages - stored == set(), f"{len(wanted_messages - stored)} acknowledged messages lost"
        with engine.connect() as connection:
            starts_per_call = connection.execute(
                select(events.c.call_sid, func.count()).where(events.c.kind == "start").group_by(events.c.call_sid)
            ).all()
            assert all(count == 1 for _sid, count in starts_per_call), "an event was stored twice"
            per_sid = connection.execute(select(messages.c.call_sid, func.count()).group_by(messages.c.call_sid)).all()
            assert all(count == 1 for _sid, count in per_sid), "a message was stored twice"
            assert connection.scalar(select(func.count()).select_from(calls)) >= len(wanted_calls)
        engine.dispose()
    assert TOKEN
