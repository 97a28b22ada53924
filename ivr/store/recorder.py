"""The store as the web service sees it: ``record`` a webhook's events, durable before the answer.

``record`` adds the call's own Twilio parameters to the webhook's facts (``ivr.store.journey``),
appends them to this process's spool (``ivr.store.spool``) and returns; the host's forwarder
process (``ivr.store.host_forwarder``, started here when none runs) stores them in the database in
the background and its notifier (``ivr.store.notify``) announces new messages. With
``forwarder="thread"`` this process forwards its own spool in a thread instead. Nothing here
raises into a webhook: if even the spool cannot be written (disk full), the error is logged, the
record is kept in memory and retried, and the caller is answered.

Everything per process starts lazily in the process that records (a gunicorn worker after the
fork, never the master that imported the app).
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from ivr.store import host_forwarder, migrate
from ivr.store.database import check_url, open_engine
from ivr.store.forwarder import Forwarder
from ivr.store.journey import LENGTHS, Facts
from ivr.store.spool import SpoolWriter
from ivr.store.store_settings import FORWARDERS, StoreSettings

__all__ = ["Recorder", "StoreSettings"]

log = logging.getLogger("ivr.store")
MAX_VALUE_CHARS = 1024  # Twilio's values are short; anything longer is cut, never stored whole
MAX_SID_CHARS = 64

# Which Twilio parameters each kind of fact takes from its request
# (https://www.twilio.com/docs/usage/webhooks/voice-webhooks).
PARAMS: dict[str, tuple[tuple[str, str], ...]] = {
    "start": (("From", "from_number"), ("To", "to_number")),
    "dial": (("DialCallDuration", "duration_s"),),
    "recorded": (("RecordingUrl", "value"), ("RecordingDuration", "duration_s"), ("RecordingSid", "recording_sid")),
    "message": (
        ("RecordingStatus", "status"),
        ("RecordingUrl", "value"),
        ("RecordingDuration", "duration_s"),
        ("RecordingSid", "recording_sid"),
    ),
    "end": (("CallStatus", "status"), ("CallDuration", "duration_s")),
}
INTEGER_FIELDS = frozenset({"duration_s", "attempt"})
#: Characters kept of each text a Twilio parameter gives a fact: its column's width, else a bound.
LIMITS = {
    field: min(LENGTHS.get(field, MAX_VALUE_CHARS),
               MAX_SID_CHARS if field.endswith(("_sid", "_number")) else MAX_VALUE_CHARS)
    for fields in PARAMS.values() for _name, field in fields if field not in INTEGER_FIELDS
}  # fmt: skip


class Recorder:
    """One per app. Thread-safe; fork-safe (per-process parts are rebuilt in a new process)."""

    def __init__(self, settings: StoreSettings, *, notifier_factory: Callable[[Engine], Any] | None = None):
        if settings.forwarder not in FORWARDERS:
            raise ValueError(f"forwarder {settings.forwarder!r}: choose one of {', '.join(FORWARDERS)}")
        self.settings = settings
        self.url = check_url(settings.database_url)
        self.notifier_factory = notifier_factory
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._unspooled: list[dict[str, Any]] = []
        self.engine: Engine | None = None
        self._closed = threading.Event()  # set by close(): this process's threads end
        self.writer: SpoolWriter | None = None
        self.forwarder: Forwarder | None = None
        self.notifier: Any = None

    # -- per process ------------------------------------------------------------------------

    def start(self) -> None:
        """Open this process's spool and start forwarding (idempotent; done on first use anyway)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            if self.writer is not None:  # inherited through fork: the parent's file and connections
                self.writer.abandon()
            if self.engine is not None:
                self.engine.dispose(close=False)
            self._closed = threading.Event()
            self.engine = open_engine(self.url)
            self.writer = SpoolWriter(self.settings.spool_dir, sync=self.settings.spool_sync)
            self.forwarder = Forwarder(
                self.engine, self.settings.spool_dir, own=self.writer, interval=self.settings.forward_interval,
                ready=migrate.ready_check(self.engine), take_unspooled=self._take_unspooled,
            )  # fmt: skip
            if self.settings.forwarder == "thread":
                self.forwarder.start()
                if self.notifier_factory is not None:
                    self.notifier = self.notifier_factory(self.engine)
                    self.notifier.start()
            self._pid = os.getpid()
            atexit.register(self._at_exit, os.getpid())
        self._look_for_host_forwarder()

    def _look_for_host_forwarder(self) -> None:
        """In process mode: a watchdog thread that starts the host's forwarder whenever none runs
        (at once, then every ``CHECK_EVERY_S``: a forwarder killed in a quiet moment is replaced
        without waiting for the next call). It sleeps between looks and costs no request anything."""
        if self.settings.forwarder != "process":
            return
        pid = os.getpid()

        def watch() -> None:
            while self._pid == pid and not self._closed.is_set():
                try:
                    host_forwarder.ensure_running(self.settings)
                except Exception:  # the spool keeps the records; the next look tries again
                    log.exception("store: could not start the host's forwarder for %s", self.settings.spool_dir)
                if self._closed.wait(host_forwarder.CHECK_EVERY_S):
                    return

        threading.Thread(target=watch, name="ivr-store-watchdog", daemon=True).start()

    def _take_unspooled(self) -> list[dict[str, Any]]:
        with self._lock:
            taken, self._unspooled = self._unspooled, []
        return taken

    # -- recording ---------------------------------------------------------------------------

    def record(self, params: Mapping[str, str], at: datetime, facts: Facts) -> None:
        """Make a webhook's facts durable (returns once they are in the spool). Never raises."""
        sid = _clean(params.get("CallSid", ""), MAX_SID_CHARS)
        if not sid or not facts:
            return  # no call to file it under (not a Twilio call webhook)
        record = {
            "id": _record_id(),
            "call": sid,
            "at": at.astimezone(UTC).isoformat(),
            "ns": time.time_ns(),
            "events": [_complete(fact, params) for fact in facts],
        }
        try:
            self.start()
            assert self.writer is not None
            if self._unspooled and self.settings.forwarder == "process":
                self._respool()
            self.writer.write(record)
        except Exception:
            self._keep(record)
            return

    def _keep(self, record: dict[str, Any]) -> None:
        log.exception("store: could not write call %s's events to the spool; keeping them in memory", record["call"])
        with self._lock:
            self._unspooled.append(record)

    def _respool(self) -> None:
        """Records kept in memory when the spool could not be written go to it first, once it can
        be again (in process mode nothing else in this process would forward them before exit)."""
        assert self.writer is not None
        for kept in self._take_unspooled():
            try:
                self.writer.write(kept)
            except Exception:
                with self._lock:
                    self._unspooled.append(kept)

    def flush(self) -> int:
        """Forward everything spooled so far, now, in this thread; returns the number of events."""
        self.start()
        assert self.forwarder is not None
        count = self.forwarder.flush()
        if self.notifier is not None:
            self.notifier.run_once()
        return count

    def close(self) -> None:
        """Forward what is left, stop this process's threads and close its spool (tests; shutdown)."""
        if self._pid != os.getpid() or self.forwarder is None:
            return
        self._closed.set()
        self.forwarder.stop()
        if self.notifier is not None:
            self.notifier.stop()
        self._at_exit(os.getpid())
        assert self.engine is not None
        self.engine.dispose()
        self._pid = None
        self.writer = None
        self.forwarder = None

    def _at_exit(self, pid: int) -> None:
        if pid != os.getpid() or self.forwarder is None or self.writer is None or not self.writer.path.exists():
            return  # another process's, already closed, or its folder was removed (a test session's end)
        try:
            self.forwarder.flush()
            self.forwarder.retire()
        except Exception as exc:  # the spool keeps the events; another process forwards them
            log.warning("store: events left in the spool at exit (%s); they are forwarded later", exc)


def _record_id() -> str:
    """96 bits unique per record across hosts: 64 random bits drawn once per process (and again
    after 2**32 records), then a counter. Not ``os.urandom`` per record: a system call releases the
    GIL, and in a gthread worker the webhook then waits for another thread to hand it back
    (``benchmarks/gil_handoffs.py``)."""
    pid = os.getpid()  # keeps the GIL; a forked worker draws its own prefix
    owner, prefix, counter = _IDS.current  # one read: a prefix always comes with its own counter
    if owner == pid:
        number = next(counter)
        if number <= 0xFFFFFFFF:
            return f"{prefix}{number:08x}"
    with _IDS.lock:
        if _IDS.current[2] is counter:  # nobody drew a new prefix meanwhile
            _IDS.current = (pid, os.urandom(8).hex(), itertools.count())
    return _record_id()


class _Ids:
    """This process's record id prefix and its counter (``_record_id``)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.current: tuple[int | None, str, Iterator[int]] = (None, "", itertools.count())


_IDS = _Ids()
os.register_at_fork(after_in_child=_IDS.__init__)  # a fresh lock too: a thread of the parent may have held it


def _complete(fact: Mapping[str, Any], params: Mapping[str, str]) -> dict[str, Any]:
    """The fact (cut to its columns already: ``journey.fact``) with its kind's Twilio parameters,
    each cut to its column too, so that no batch is ever refused."""
    event = dict(fact)
    for name, field in PARAMS.get(str(fact["kind"]), ()):
        raw = params.get(name, "")
        if not raw:
            continue
        if field in INTEGER_FIELDS:
            value = raw.strip()
            if value.isascii() and value.isdigit() and len(value) <= 9:
                event[field] = int(value)
        else:
            event[field] = _clean(raw, LIMITS[field])
    return event


def _clean(value: object, limit: int) -> str:
    text = value if isinstance(value, str) else ""
    if not text.isprintable():  # rare: a value with control characters loses them
        text = "".join(ch for ch in text if ch.isprintable())
    return text[:limit]
