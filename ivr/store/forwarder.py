"""Moves spooled records into the database, in the background, until it succeeds.

One forwarder per process. Every ``interval`` seconds it forwards what its own spool file gained,
then adopts the files of processes that died (``ivr.store.spool.adopted``) and forwards those. A
failed batch (database down, locked, slow) is logged and retried with back-off; the spool keeps
it meanwhile, so webhooks go on being answered and acknowledged. ``flush`` does one full pass in
the caller's thread (the CLI, before it exits; tests).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from ivr.store import spool
from ivr.store.ingest import ingest

log = logging.getLogger("ivr.store")
ROTATE_BYTES = 8 << 20  # a fully forwarded spool file bigger than this is replaced by a new one
MAX_BACKOFF_S = 30.0


class Forwarder:
    def __init__(
        self,
        engine: Engine,
        writer: spool.SpoolWriter,
        *,
        interval: float = 0.25,
        ready: Callable[[], None] = lambda: None,
        take_unspooled: Callable[[], list[dict[str, Any]]] = list,
    ):
        self.engine = engine
        self.writer = writer
        self.interval = interval
        self.ready = ready  # raises until the schema is there (migrated or checked)
        self.take_unspooled = take_unspooled
        self._offset = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.forwarded = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="ivr-store-forwarder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        delay = self.interval
        failing = False
        while not self._stop.wait(delay):
            try:
                self.flush()
            except Exception as exc:  # a database problem must never end forwarding
                delay = min(max(delay * 2, 1.0), MAX_BACKOFF_S)
                log.warning("store: forwarding to the database failed (%s); retrying in %.0f s", _short(exc), delay)
                failing = True
                continue
            if failing:
                log.info("store: forwarding to the database works again")
                failing = False
            delay = self.interval

    def flush(self) -> int:
        """Forward everything spooled so far (own file, unspooled records, dead processes' files)."""
        with self._lock:
            self.ready()
            count = self._forward_own()
            unspooled = self.take_unspooled()
            if unspooled:
                count += self._ingest(unspooled)
            count += self._adopt()
            self.forwarded += count
            return count

    def retire(self) -> None:
        """At a clean exit: delete this process's spool file if everything in it was forwarded."""
        with self._lock:
            if self._offset == self.writer.size():
                path = self.writer.path
                self.writer.close()
                spool.remove(path)

    def _forward_own(self) -> int:
        count = 0
        path = self.writer.path
        while True:
            lines = spool.read_from(path, self._offset)
            if not lines.records:
                break
            count += self._ingest(lines.records)
            self._offset = lines.end
            spool.save_checkpoint(path, self._offset)
        if self._offset >= ROTATE_BYTES and self._offset == self.writer.size():
            old, start = self.writer.rotate(), self._offset
            self._offset = 0
            count += self._drain(old, start)
        return count

    def _adopt(self) -> int:
        count = 0
        with spool.adopted(self.writer.directory, skip={self.writer.path}) as orphans:
            for path in orphans:
                log.info("store: forwarding %s, left by a process that ended", path.name)
                count += self._drain(path, spool.checkpoint(path))
        return count

    def _drain(self, path: Path, start: int) -> int:
        """Forward the rest of a file nobody writes any more, then delete it. A retired file is
        unlocked, so another adopter (a worker, ``ivr calls``) may forward and delete it first: its
        records are then in the database (ingest is idempotent), and a vanished file is done."""
        count, offset = 0, start
        while True:
            try:
                lines = spool.read_from(path, offset)
            except FileNotFoundError:
                return count
            if not lines.records:
                break
            count += self._ingest(lines.records)
            offset = lines.end
            spool.save_checkpoint(path, offset)
        spool.remove(path)
        return count

    def _ingest(self, records: list[dict[str, Any]]) -> int:
        with self.engine.begin() as connection:
            return ingest(connection, records)


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def drain_orphans(engine: Engine, directory: Path) -> int:
    """Forward what processes that ended left in ``directory`` (for readers: a stopped service's last events)."""
    if not directory.is_dir():
        return 0
    count = 0
    with spool.adopted(directory, skip=set()) as orphans:
        for path in orphans:
            offset = spool.checkpoint(path)
            while True:
                lines = spool.read_from(path, offset)
                if not lines.records:
                    break
                with engine.begin() as connection:
                    count += ingest(connection, lines.records)
                offset = lines.end
                spool.save_checkpoint(path, offset)
            spool.remove(path)
    return count
