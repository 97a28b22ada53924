"""The phone page's calls: one simulator call per browser call, kept in the serving process.

Why process memory, when the line itself keeps nothing per call in memory (its state travels in the
webhook URLs)? Because this is the *caller's* side. A simulated call is a running TwiML interpreter
(``ivr.simulator.engine``: a generator paused inside a ``<Gather>``, its cookies, its transcript);
it cannot be written to a URL or a row between two key presses without re-running the call. A
browser talking to the phone page is one developer on one development server, so the interpreter
stays in this process, and the webhooks it drives stay exactly as stateless as on a real call.
The cost, documented in docs/phone.md: under several gunicorn workers a browser call must keep
reaching the worker that placed it (one worker, or sticky sessions) — a call this process does not
know answers 404 and the page says the call is over.

Bounded: at most ``max_calls`` calls at once (a new one is refused with a clear message, never by
dropping someone else's), and a call nobody touched for ``idle_seconds`` is hung up by a reaper
thread, which runs only while calls exist. Each call belongs to the browser session that placed it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ivr.simulator import Call

log = logging.getLogger(__name__)

IDLE_SECONDS = 600.0  # ten minutes without a key press, a poll or a hang-up: the tab was left open
MAX_CALLS = 16  # one developer has a few tabs; more is a leak, not a use
MAX_MEDIA_PER_CALL = 512  # <Play> URLs one call may ask the page to fetch


class TooManyCalls(RuntimeError):
    """Refused: ``max_calls`` calls are already open."""


@dataclass
class PhoneCall:
    """One browser call: the simulator's call, who owns it, what the page has already been sent."""

    id: str
    owner: str
    call: Call
    touched: float
    shown: int = 0  # transcript events already sent to the page
    lines: list[str] = field(default_factory=list)  # as last sent (a barge-in amends earlier ones)
    media: list[str] = field(default_factory=list)  # absolute <Play> URLs, by the index the page uses
    lock: threading.Lock = field(default_factory=threading.Lock)  # one action at a time per call

    def media_index(self, url: str) -> int | None:
        """The page's handle for a <Play> URL (the URL itself never has to be fetched by the browser)."""
        if url in self.media:
            return self.media.index(url)
        if len(self.media) >= MAX_MEDIA_PER_CALL:
            return None
        self.media.append(url)
        return len(self.media) - 1


class PhoneCalls:
    """The open browser calls of this process (see the module docstring)."""

    def __init__(
        self,
        *,
        idle_seconds: float = IDLE_SECONDS,
        max_calls: int = MAX_CALLS,
        monotonic: Callable[[], float] = time.monotonic,
        reaper: bool = True,
    ) -> None:
        self.idle_seconds = idle_seconds
        self.max_calls = max_calls
        self.monotonic = monotonic
        self._calls: dict[str, PhoneCall] = {}
        self._lock = threading.Lock()
        self._reaper_wanted = reaper
        self._reaper: threading.Thread | None = None
        self._stop = threading.Event()

    def __len__(self) -> int:
        with self._lock:
            return len(self._calls)

    def open(self, owner: str, place: Callable[[], Call]) -> PhoneCall:
        """Place a call with ``place()`` for ``owner``; raises :class:`TooManyCalls` when full."""
        self.reap()
        with self._lock:
            ended = sorted((p for p in self._calls.values() if p.call.ended), key=lambda p: p.touched)
            while len(self._calls) >= self.max_calls and ended:  # a finished call's page needs it no more
                del self._calls[ended.pop(0).id]
            if len(self._calls) >= self.max_calls:
                raise TooManyCalls(
                    f"{self.max_calls} phone calls are already open in this server; hang one up "
                    f"(or wait {self.idle_seconds / 60:.0f} minutes for idle ones to end)"
                )
        call = place()  # outside the lock: placing a call fetches the first TwiML document
        phone = PhoneCall(secrets.token_urlsafe(16), owner, call, self.monotonic())
        with self._lock:
            self._calls[phone.id] = phone
        self._start_reaper()
        return phone

    def get(self, call_id: str, owner: str) -> PhoneCall | None:
        """The caller's own open call, touched; None for an unknown, ended-and-reaped or foreign call."""
        with self._lock:
            phone = self._calls.get(call_id)
            if phone is None or not secrets.compare_digest(phone.owner, owner):
                return None
            phone.touched = self.monotonic()
            return phone

    def close(self, call_id: str) -> None:
        """Forget a call (after it ended); hangs it up first if it is still going."""
        with self._lock:
            phone = self._calls.pop(call_id, None)
        if phone is not None:
            _hang_up(phone)

    def reap(self) -> int:
        """Hang up and forget every call idle for longer than ``idle_seconds``; returns how many."""
        now = self.monotonic()
        with self._lock:
            stale = [p for p in self._calls.values() if now - p.touched > self.idle_seconds]
            for phone in stale:
                del self._calls[phone.id]
        for phone in stale:
            log.info("phone call %s idle for %.0f s: hung up", phone.id, now - phone.touched)
            _hang_up(phone)
        return len(stale)

    def shutdown(self) -> None:
        """Hang up everything and stop the reaper (tests, and the end of ``ivr phone``)."""
        self._stop.set()
        with self._lock:
            phones = list(self._calls.values())
            self._calls.clear()
        for phone in phones:
            _hang_up(phone)
        if self._reaper is not None:
            self._reaper.join(timeout=5)

    def _start_reaper(self) -> None:
        if not self._reaper_wanted:
            return
        with self._lock:
            if self._reaper is not None and self._reaper.is_alive():
                return
            self._stop.clear()
            self._reaper = threading.Thread(target=self._reap_loop, name="phone-call-reaper", daemon=True)
            self._reaper.start()

    def _reap_loop(self) -> None:
        interval = max(1.0, min(60.0, self.idle_seconds / 4))
        while not self._stop.wait(interval):
            self.reap()
            with self._lock:
                if not self._calls:  # nothing left to watch; the next call starts a new reaper
                    self._reaper = None
                    return


def _hang_up(phone: PhoneCall) -> None:
    with phone.lock:
        if phone.call.ended:
            return
        try:
            phone.call.hangup()
        except Exception as exc:  # a reaper must never die on one call
            log.warning("could not hang up phone call %s: %s", phone.id, exc)


def session_owner(session: Any) -> str:
    """The session's phone owner id, created on first use (it ties calls to one browser)."""
    owner = session.get("phone_owner")
    if not isinstance(owner, str) or not owner:
        owner = secrets.token_urlsafe(16)
        session["phone_owner"] = owner
    return owner
