"""The durable spool: each webhook's events are appended to a local file before the caller is answered.

Why a spool and not the database itself: the answer must never wait on a slow or unreachable
database, yet an event the service acknowledged must not be lost. An append to a local file is
cheap and always available; a background forwarder (``ivr.store.forwarder``) moves the records to
the database and retries until it succeeds.

* One file per process (``<host>-<pid>-<ns>.jsonl`` in ``SPOOL_DIR``), one JSON line per webhook
  (all its events), written with a single ``write`` on an ``O_APPEND`` descriptor. With ``sync``
  (the default) the data is ``fdatasync``-ed before the webhook is answered, so it survives a
  power loss, not only a crash; threads of one process share a flush (group commit: a gthread
  worker's concurrent webhooks pay one device flush, not one each). The flush runs in the
  request's own thread: ``benchmarks/spool_sync.py`` (2,000 records, 500 µs of work between two,
  load average 4.9 on the project's 2-core machine) measured per record 320 µs of wall time and
  120 µs of CPU for a ``write`` then ``fdatasync`` (290 / 100 µs for an ``O_DSYNC`` write, which
  cannot share a flush), and 525 / 180 µs for the earlier flush handed to a sync thread while the
  answer was finished (the two threads convoyed on the GIL). The directory is fsynced once per file.
* A file past ``ROTATE_BYTES`` is retired by its writer (closed, so unlocked) and a new one begun.
* The owning process holds an exclusive ``flock`` on its file for its lifetime. The kernel drops
  the lock when the process dies (SIGKILL, OOM), and any other process of the service then *adopts*
  the file: forwards what is left and deletes it. A line cut short by a crash was never
  acknowledged (the answer is sent only after ``write`` returns) and is skipped.
* Forwarding is idempotent (event ids are made here), so a record forwarded twice (after a crash
  between the insert and the checkpoint, or by two adopters) is stored once.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("ivr.store")
SUFFIX = ".jsonl"
_SERIAL = itertools.count()
CHECKPOINT = ".pos"  # "<bytes forwarded>", next to each spool file; only ever an optimisation
ROTATE_BYTES = 8 << 20  # a spool file this big is retired (drained, deleted) and a new one begun


class SpoolWriter:
    """This process's spool file: ``write`` returns once the record is in the file (on disk, with ``sync``)."""

    def __init__(self, directory: Path, *, sync: bool = True, rotate_bytes: int = ROTATE_BYTES):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.sync = sync
        self.rotate_bytes = rotate_bytes
        self._lock = threading.Lock()  # the descriptor, the path, the size, _written; taken after _cond, never before
        self._cond = threading.Condition()  # _synced, _syncing, _failed_upto: who flushes and how far
        self._written = 0  # records written (under _lock)
        self._synced = 0  # records known to be on disk (under _cond)
        self._syncing = False  # an fdatasync is in flight (under _cond): later waiters wait for it
        self._failed_upto = 0  # records an fdatasync reported an error for: never claimed durable
        self.path, self._fd = self._open_new()
        self._size = 0

    def _open_new(self) -> tuple[Path, int]:
        host = "".join(c if c.isalnum() or c in "-." else "_" for c in socket.gethostname()) or "host"
        # the serial keeps two writers of one process apart when the clock does not move (freezegun)
        path = self.directory / f"{host}-{os.getpid()}-{time.time_ns()}-{next(_SERIAL)}{SUFFIX}"
        # Created under a name adopters do not look at, locked, then given its spool name: an
        # adopter in another thread that globbed between the open and the lock took the new file
        # for an orphan and locked it first, and this flock failed (BlockingIOError at start).
        opening = path.with_name(path.name + ".opening")
        fd = os.open(opening, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new, unique name: nobody else has it
        os.rename(opening, path)
        if self.sync:
            _fsync_dir(self.directory)  # the file's name must survive a power loss too (once per file)
        return path, fd

    def write(self, record: dict[str, Any]) -> None:
        """Write one record as one line with one ``write`` (from then on it survives a crash of this
        process: SIGKILL, OOM) and, with ``sync``, return once an ``fdatasync`` that started after
        the write has finished (a power loss too). Raises OSError: the record may not be on disk.
        A file past ``rotate_bytes`` is then retired: a new file takes the next record and the old
        one, unlocked, is drained by whoever forwards the folder."""
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        with self._lock:
            _write_all(self._fd, data)
            self._size += len(data)
            self._written += 1
            mine, full = self._written, self._size >= self.rotate_bytes
        if self.sync:
            self._sync_upto(mine)
        if full:
            self._rotate()

    def _sync_upto(self, mine: int) -> None:
        """Group commit: one ``fdatasync`` covers every record written before it started. A thread
        that finds a flush in flight waits for it and looks again (it may have covered this record,
        or not); otherwise it flushes itself, for everyone written so far."""
        with self._cond:
            while mine <= self._failed_upto or self._synced < mine:
                if mine <= self._failed_upto:  # checked first: a later flush's success proves nothing for it
                    raise OSError(f"fdatasync of the spool {self.path.name} failed")
                if self._syncing:
                    self._cond.wait()
                    continue
                self._syncing = True
                with self._lock:
                    target, fd = self._written, self._fd
                self._cond.release()
                try:
                    os.fdatasync(fd)
                    failed = False
                except OSError:
                    failed = True  # after a failed fdatasync a later one may "succeed" without the data
                finally:
                    self._cond.acquire()
                    self._syncing = False
                    self._cond.notify_all()
                if failed:
                    self._failed_upto = max(self._failed_upto, target)
                else:
                    self._synced = max(self._synced, target)

    def _rotate(self) -> None:
        with self._cond:
            while self._syncing:
                self._cond.wait()
            with self._lock:
                if self._size < self.rotate_bytes:
                    return  # another thread rotated it meanwhile
                old_fd = self._fd
                if self.sync:
                    os.fdatasync(old_fd)  # what it holds is on disk before anyone may drain it
                self.path, self._fd = self._open_new()
                self._size = 0
                self._synced = max(self._synced, self._written)
            self._cond.notify_all()
        os.close(old_fd)  # releases its lock: the old file is now an orphan to drain and delete

    def size(self) -> int:
        with self._lock:
            return os.fstat(self._fd).st_size

    def close(self) -> None:
        with self._lock, contextlib.suppress(OSError):
            os.close(self._fd)

    def abandon(self) -> None:
        """In a forked child: drop the parent's descriptor without touching the parent's lock."""
        with contextlib.suppress(OSError):
            os.close(self._fd)


@dataclass
class SpoolLines:
    """Complete records of one spool file from ``start``, and the offset after the last one."""

    records: list[dict[str, Any]]
    end: int


def read_from(path: Path, start: int, max_bytes: int = 4 << 20) -> SpoolLines:
    """The complete lines after byte ``start`` (at most about ``max_bytes``); a line without its
    newline (a write cut short by a crash: never acknowledged) or that is not JSON is skipped."""
    records: list[dict[str, Any]] = []
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(max_bytes)
    cut = data.rfind(b"\n")
    if cut < 0:
        return SpoolLines([], start)
    for line in data[: cut + 1].splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            log.error("skipping an unreadable line in the spool %s", path.name)
            continue
        if isinstance(record, dict):
            records.append(record)
    return SpoolLines(records, start + cut + 1)


def checkpoint(path: Path) -> int:
    try:
        return int(path.with_suffix(CHECKPOINT).read_text() or 0)
    except (OSError, ValueError):
        return 0


def save_checkpoint(path: Path, offset: int) -> None:
    """Atomically; not fsynced (a lost checkpoint only means records are forwarded again, harmlessly)."""
    target = path.with_suffix(CHECKPOINT)
    temp = target.with_name(target.name + f".{os.getpid()}.tmp")
    temp.write_text(str(offset))
    os.replace(temp, target)


def remove(path: Path) -> None:
    for victim in (path, path.with_suffix(CHECKPOINT)):
        with contextlib.suppress(FileNotFoundError):
            victim.unlink()


@contextlib.contextmanager
def adopted(directory: Path, skip: set[Path]) -> Iterator[tuple[list[Path], list[Path]]]:
    """The folder's spool files as ``(orphans, live)``: orphans are the files nobody holds (their
    process died, or they were retired), locked for this process until the block ends; live are the
    files another process holds (it is writing them). ``skip``: this process's own files."""
    held: list[tuple[Path, int]] = []
    live: list[Path] = []
    try:
        for path in sorted(directory.glob(f"*{SUFFIX}")):
            if path in skip:
                continue
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)  # alive: its owner writes it
                live.append(path)
                continue
            if os.fstat(fd).st_nlink == 0:  # forwarded and deleted by another adopter meanwhile
                os.close(fd)
                continue
            held.append((path, fd))
        yield [path for path, _fd in held], live
    finally:
        for _path, fd in held:
            os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
