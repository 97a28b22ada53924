"""One forwarder per host: a low-priority process of its own forwards every worker's live spool.

Real gunicorn (2 sync workers, the service's default ``SPOOL_FORWARDER=process``) on 127.0.0.1:
while the service runs, calls reach the database through exactly one forwarder process, niced
below the workers, that no worker's request waits for; a forwarder that is killed is replaced
by the next worker that records; once the service stops, the forwarder ends by itself.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import requests
from services import gunicorn, service_env, signed
from sqlalchemy import func, select

from ivr.store.database import open_engine
from ivr.store.host_forwarder import NICE, running_pid
from ivr.store.schema import calls

DEADLINE_S = 20.0


def _forwarders(spool_dir: Path) -> list[int]:
    """Live forwarder processes started for ``spool_dir`` (from /proc: command line and environment)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"ivr.store.host_forwarder" in command and str(spool_dir).encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


def _stored(url: str) -> int:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(calls)).scalar_one())
    except Exception:  # the forwarder has not made the schema yet
        return 0
    finally:
        engine.dispose()


def _until(predicate, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not predicate():
        assert time.monotonic() < deadline, f"not within {DEADLINE_S:.0f} s: {what}"
        time.sleep(0.05)


def _call(base: str, public: str, n: int) -> None:
    params = {"CallSid": f"CA{n:032d}", "From": "+8613812345678", "To": "+8657100000000"}
    response = requests.post(base + "/voice/incoming", data=params, headers=signed(public + "/voice/incoming", params),
                             timeout=10)  # fmt: skip
    assert response.status_code == 200


def test_one_niced_forwarder_process_forwards_every_workers_live_spool_and_ends_after_the_service(tmp_path: Path):
    url, spool_dir, public = f"sqlite:///{tmp_path}/ivr.db", tmp_path / "spool", "https://ivr.example.com"
    env = service_env(url, spool_dir, public, SPOOL_FORWARD_MS="100", SPOOL_FORWARDER_IDLE_S="1")
    with gunicorn(env) as service:
        for n in range(40):
            _call(service.base, public, n)
        _until(lambda: _stored(url) == 40, "40 calls in the database")
        _until(lambda: len(_forwarders(spool_dir)) == 1, "one forwarder left")  # each worker may start one
        (pid,) = _forwarders(spool_dir)
        assert running_pid(spool_dir) == pid
        assert pid != service.process.pid and pid not in service.worker_pids()
        worker_nice = os.getpriority(os.PRIO_PROCESS, service.worker_pids()[0])
        assert os.getpriority(os.PRIO_PROCESS, pid) == min(worker_nice + NICE, 19)  # 19: the lowest priority there is
        assert len(list(spool_dir.glob("*.jsonl"))) >= 2  # forwarded while the workers still hold their files

        os.kill(pid, signal.SIGKILL)  # a forwarder that dies is replaced by the next worker that records
        _until(lambda: running_pid(spool_dir) is None, "the killed forwarder's lock released")
        for n in range(40, 60):
            _call(service.base, public, n)
        _until(lambda: _stored(url) == 60, "the calls after the kill in the database")
        _until(lambda: len(_forwarders(spool_dir)) == 1, "one forwarder left")
        (replacement,) = _forwarders(spool_dir)
        assert replacement != pid
    _until(lambda: not _forwarders(spool_dir), "the forwarder ended after the service stopped")
    assert not list(spool_dir.glob("*.jsonl"))  # every file forwarded and removed
    assert _stored(url) == 60
