"""One forwarder per host and spool folder: a process of its own, at a lower CPU priority.

Why not a thread in every worker, as before: forwarding is real work (JSON, SQL, the call
digests), and in a worker it ran under the worker's GIL, between its requests. Profiled under
load (py-spy on both sync workers, ``benchmarks/webhooks.py``'s mix, SQLite) the workers' own
forwarders took 31% of their samples and every request waited for the GIL behind them. In a
process of its own, niced by ``NICE``, forwarding takes the CPU the line leaves: when the
machine is saturated callers are answered first and the database catches up after (the spool
holds the records meanwhile; they are durable either way), when it is not the records reach the
database within ``SPOOL_FORWARD_MS`` as before. One process for all workers also means one
transaction per pass for the whole host instead of one per worker.

How it runs, with nothing to set up: every worker that records checks (at its first record, then
at most every ``CHECK_EVERY_S``) whether a forwarder holds the folder's ``forwarder.lock``
(an exclusive ``flock``, dropped by the kernel when the process ends, however it ends) and, if
none does, starts ``python -m ivr.store.host_forwarder`` in a session of its own. Two workers
may start one each at the same moment: the second finds the lock taken and exits. The forwarder
follows every worker's live file, drains the files of workers that ended, announces new messages
(``NOTIFY_URL``), and exits by itself once the folder has had no live writer and nothing to
forward for ``IDLE_EXIT_S`` (the service stopped; ``SPOOL_FORWARDER_IDLE_S`` in its environment
changes it), or the folder is gone. Its settings travel in
the environment (``IVR_HOST_FORWARDER``, JSON), never on its command line, where ``ps`` would
show the database password and the notification secret.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import ivr
from ivr.store.store_settings import StoreSettings

log = logging.getLogger("ivr.store")
LOCK_NAME = "forwarder.lock"
ENV = "IVR_HOST_FORWARDER"
NICE = 10  # CFS weight 110 against a worker's 1024: about a tenth of a core when every core is busy
CHECK_EVERY_S = 2.0
IDLE_EXIT_S = 10.0


def lock_path(directory: Path) -> Path:
    return directory / LOCK_NAME


def running_pid(directory: Path) -> int | None:
    """The pid of the forwarder that holds ``directory``'s lock, or None if none does."""
    try:
        fd = os.open(lock_path(directory), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def ensure_running(settings: StoreSettings) -> bool:
    """Start the host's forwarder for ``settings.spool_dir`` unless one runs; True if one was started."""
    if running_pid(settings.spool_dir) is not None:
        return False
    values = {**asdict(settings), "spool_dir": str(settings.spool_dir)}  # the rest is JSON as it is
    package_root = str(Path(ivr.__file__).resolve().parents[1])  # the same code as this worker's
    python_path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
    subprocess.Popen(
        [sys.executable, "-m", "ivr.store.host_forwarder"],
        env={**os.environ, ENV: json.dumps(values), "PYTHONPATH": python_path},
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # not in the terminal's process group: a Ctrl-C stops the service, which then ends it
        close_fds=True,
    )
    return True


def _settings_from_env() -> StoreSettings:
    raw: dict[str, Any] = json.loads(os.environ.pop(ENV))
    return StoreSettings(**{**raw, "spool_dir": Path(raw["spool_dir"])})


def serve(settings: StoreSettings, *, idle_exit_s: float = IDLE_EXIT_S, nice: int = NICE) -> int:
    """Hold the folder's lock and forward until idle; 0 at once if another forwarder holds it."""
    from ivr.store.database import open_engine  # after the lock: a second forwarder exits without importing them
    from ivr.store.forwarder import Forwarder
    from ivr.store.migrate import ready_check

    directory = settings.spool_dir
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(directory), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return 0
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    with contextlib.suppress(OSError):
        os.nice(nice)
    engine = open_engine(settings.database_url)
    forwarder = Forwarder(engine, directory, follow_live=True, interval=settings.forward_interval,
                          ready=ready_check(engine))  # fmt: skip
    notifier = None
    if settings.notify_url:
        from ivr.store.notify import Notifier

        notifier = Notifier.factory(settings)(engine)
        notifier.start()
    signal.signal(signal.SIGTERM, lambda *_: forwarder.stop())
    log.info("store: forwarding %s to the database (pid %d)", directory, os.getpid())
    try:
        forwarder.run(idle_exit_s=idle_exit_s)
        with contextlib.suppress(Exception):
            forwarder.flush()  # what the last interval brought
    finally:
        if notifier is not None:
            notifier.stop()
        engine.dispose()
        os.close(fd)
    return 0


def main() -> int:
    logging.basicConfig(
        level=getattr(logging, os.environ.get("LOG_LEVEL", "INFO").strip().upper(), logging.INFO),
        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S %z",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its plugin list on every start says nothing
    idle = os.environ.get("SPOOL_FORWARDER_IDLE_S", "").strip()
    return serve(_settings_from_env(), idle_exit_s=float(idle) if idle.replace(".", "", 1).isdigit() else IDLE_EXIT_S)


if __name__ == "__main__":
    sys.exit(main())
