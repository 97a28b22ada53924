"""Moves spooled records into the database, in the background, until it succeeds.

A ``Forwarder`` forwards one spool folder, pass after pass:

* its ``own`` writer's file, if it has one (a process forwarding what it spooled itself);
* with ``follow_live``, the files other live processes are writing (the host's forwarder,
  ``ivr.store.host_forwarder``: one process forwards every worker's file). A live file is only
  ever appended to in whole lines, so what it holds up to its last newline can be forwarded while
  its writer goes on;
* the files nobody holds any more (a worker that died, a file its writer retired): adopted
  (``ivr.store.spool.adopted``), forwarded to the end and deleted;
* every ``settle_every`` seconds, the digests of calls that went quiet without an end
  (``ivr.store.digest.settle_quiet``).

A failed batch (database down, locked, slow) is logged and retried with back-off; the spool keeps
it meanwhile, so webhooks go on being answered and acknowledged. Forwarding is idempotent, so two
forwarders passing over one file (the host's and a worker's ``flush`` at exit) store it once.
``flush`` does one full pass in the caller's thread (the CLI, before it exits; tests).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from ivr.store import digest, spool
from ivr.store.ingest import ingest

log = logging.getLogger("ivr.store")
MAX_BACKOFF_S = 30.0


class Forwarder:
    def __init__(
        self,
        engine: Engine,
        directory: Path,
        *,
        own: spool.SpoolWriter | None = None,
        follow_live: bool = False,
        interval: float = 0.25,
        ready: Callable[[], None] = lambda: None,
        take_unspooled: Callable[[], list[dict[str, Any]]] = list,
        settle_every: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.engine = engine
        self.directory = directory
        self.own = own
        self.follow_live = follow_live
        self.interval = interval
        self.ready = ready  # raises until the schema is there (migrated or checked)
        self.take_unspooled = take_unspooled
        self.settle_every = settle_every
        self.clock = clock
        self._settled_at: float | None = None  # time.monotonic() of the last settle_quiet
        self._offsets: dict[Path, int] = {}  # bytes forwarded, per file followed (a checkpoint's in-memory copy)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.forwarded = 0
        self.live_files = 0  # files of live writers seen by the last pass (the own file included)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="ivr-store-forwarder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def run(self, idle_exit_s: float | None = None) -> None:
        """Forward every ``interval`` until ``stop``; with ``idle_exit_s``, also return once no live
        writer and nothing to forward has been seen for that long (the host's forwarder, after its
        service stopped)."""
        delay = self.interval
        failing = False
        idle_since = time.monotonic()
        while not self._stop.wait(delay):
            if not self.directory.is_dir():
                return  # the folder went away (a test session's end, a host being cleaned up)
            try:
                count = self.flush()
            except Exception as exc:  # a database problem must never end forwarding
                delay = min(max(delay * 2, 1.0), MAX_BACKOFF_S)
                log.warning("store: forwarding to the database failed (%s); retrying in %.0f s", _short(exc), delay)
                failing = True
                continue
            if failing:
                log.info("store: forwarding to the database works again")
                failing = False
            delay = self.interval
            if count or self.live_files:
                idle_since = time.monotonic()
            elif idle_exit_s is not None and time.monotonic() - idle_since >= idle_exit_s:
                return

    def flush(self) -> int:
        """Forward everything spooled so far (the own file, unspooled records, live and dead files)."""
        with self._lock:
            self.ready()
            own = self.own.path if self.own is not None else None
            with spool.adopted(self.directory, skip={own} if own else set()) as (orphans, others):
                following = ([own] if own is not None else []) + (others if self.follow_live else [])
                count = self._follow(following, self.take_unspooled())
                for path in orphans:
                    log.info("store: forwarding %s, left by a process that ended", path.name)
                    count += self._drain(path)
            for gone in [p for p in self._offsets if p != own and not p.exists()]:
                del self._offsets[gone]
            self.live_files = len(following)
            self.forwarded += count
            self._settle()
            return count

    def retire(self) -> None:
        """At a clean exit: delete the own spool file if everything in it was forwarded."""
        with self._lock:
            if self.own is not None and self._offsets.get(self.own.path, 0) == self.own.size():
                path = self.own.path
                self.own.close()
                spool.remove(path)

    def _follow(self, paths: list[Path], unspooled: list[dict[str, Any]] | None = None) -> int:
        """Forward what ``paths`` gained since the last pass (complete lines only; the files stay),
        with ``unspooled``, in one transaction: a pass over every worker's file pays one commit (a
        WAL ``fsync`` in SQLite, a round trip and a flush in PostgreSQL), not one a file. Each
        file's checkpoint is saved once the transaction is committed."""
        count = 0
        offsets = {path: self._offsets[path] if path in self._offsets else spool.checkpoint(path) for path in paths}
        batch = list(unspooled or ())
        while True:
            ends: dict[Path, int] = {}
            for path, offset in offsets.items():
                try:
                    lines = spool.read_from(path, offset)
                except FileNotFoundError:  # retired and drained by another forwarder meanwhile
                    continue
                if lines.records:
                    batch.extend(lines.records)
                    ends[path] = lines.end
            if not batch:
                break
            count += self._ingest(batch)
            for path, end in ends.items():
                spool.save_checkpoint(path, end)
            offsets.update(ends)
            if not ends:
                break
            batch = []
        self._offsets.update(offsets)
        return count

    def _drain(self, path: Path) -> int:
        """Forward the rest of a file nobody writes any more, then delete it. A retired file is
        unlocked, so another adopter (a worker, ``ivr calls``) may forward and delete it first: its
        records are then in the database (ingest is idempotent), and a vanished file is done."""
        count = self._follow([path])
        del self._offsets[path]
        spool.remove(path)
        return count

    def _settle(self) -> None:
        started = time.monotonic()
        if self._settled_at is not None and started - self._settled_at < self.settle_every:
            return
        with self.engine.begin() as connection:
            made = digest.settle_quiet(connection, self.clock())
        self._settled_at = started
        if made:
            log.info("store: made the digests of %d calls that went quiet without an end", made)

    def _ingest(self, records: list[dict[str, Any]]) -> int:
        with self.engine.begin() as connection:
            return ingest(connection, records)


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def drain_orphans(engine: Engine, directory: Path) -> int:
    """Forward what processes that ended left in ``directory`` (for readers: a stopped service's last events)."""
    if not directory.is_dir():
        return 0
    return Forwarder(engine, directory).flush()
