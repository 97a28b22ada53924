"""What every part of the call engine shares: the call's state, its record and its clock.

:class:`EngineCore` holds one call's mutable state (simulated time, the current document URL,
the call status, problems found) and the bookkeeping every verb visitor needs: transcript
events, notes, problems, advancing the clock.  The fetching and verb mixins build on it, and
:class:`~ivr.simulator.engine.CallEngine` combines them.  The control-flow values a visitor
returns (:class:`Fetch`, :data:`CONTINUE`) and raises (:class:`CallOver`) live here too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from ivr.simulator.call_params import CallParties, SidFactory
from ivr.simulator.caller import CallerAction, CallState, Ended, HangUp, Press, Silence, Speak, Waiting
from ivr.simulator.transcript import Event, Transcript
from ivr.simulator.transport import Transport
from ivr.simulator.twiml_schema import Node


@dataclass(frozen=True)
class Limits:
    """The simulator's own guards (Twilio documents no such limits)."""

    max_requests_without_input: int = 25
    max_call_seconds: float = 4 * 3600.0


@dataclass(frozen=True)
class Fetch:
    """Control passes to a new document: request ``url`` with ``method`` and extra ``params``."""

    url: str
    method: str = "POST"
    params: dict[str, str] = field(default_factory=dict)


class Continue:
    """Sentinel type: go on with the next verb of the current document."""


CONTINUE = Continue()


@dataclass(frozen=True)
class VerbStart:
    """The engine as it was when the current verb began: enough to run that verb again in a fork."""

    document: Node
    index: int
    events: int
    now: float
    document_url: str
    requests_since_input: int
    call_status: str
    answered: bool


class CallOver(Exception):
    """Raised anywhere in the interpreter to end the call."""

    def __init__(self, reason: str, status: str = "completed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class CallStateError(AssertionError):
    """The driver asked for something the call cannot do now (e.g. pressing after hang-up)."""


class EngineCore:
    """One call's state and bookkeeping; see :class:`~ivr.simulator.engine.CallEngine`."""

    def __init__(
        self,
        transport: Transport,
        entry_url: str,
        parties: CallParties,
        *,
        entry_method: str = "POST",
        status_callback: str | None = None,
        status_callback_method: str = "POST",
        limits: Limits | None = None,
        sids: SidFactory | None = None,
        fallback_url: str | None = None,
        fallback_method: str = "POST",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.transport = transport
        self.entry_url = entry_url
        self.entry_method = entry_method.upper()
        self.parties = parties
        self.status_callback = status_callback
        self.status_callback_method = status_callback_method.upper()
        self.limits = limits or Limits()
        self.sids = sids or SidFactory()
        self.fallback_url = fallback_url  # the number's Voice fallback URL, used when a fetch fails
        self.fallback_method = fallback_method.upper()
        self.clock = clock  # wall-clock seconds, to time each response against Twilio's 15 s
        self.transcript = Transcript(parties.call_sid)
        self.problems: list[dict[str, Any]] = []
        self.now = 0.0
        self.document_url = entry_url
        self.state: CallState | None = None
        self._call_status = "ringing"
        self._answered = False
        self._requests_since_input = 0
        self._verb_start: VerbStart | None = None  # None once the caller has acted on the current wait
        self._recording_callbacks: list[tuple[Fetch, dict[str, str]]] = []  # sent when the call ends
        self._gen: Generator[Waiting, CallerAction, Ended] | None = None  # the interpreter, once started

    def _event(self, kind: str, **data: Any) -> Event:
        return self.transcript.add(kind, self.now, **data)

    def _note(self, message: str) -> None:
        self._event("note", message=message)

    def _problem(self, code: int | str, severity: str, message: str, *, line: int | None = None) -> None:
        record = {"code": code, "severity": severity, "message": message, "line": line, "url": self.document_url}
        self.problems.append(record)
        self._event("problem", **record)

    def _advance_time(self, seconds: float) -> None:
        self.now = round(self.now + seconds, 2)
        if self.now > self.limits.max_call_seconds:
            self._problem(
                "simulator:call-too-long",
                "error",
                f"the call passed the simulator's limit of {self.limits.max_call_seconds:.0f} simulated seconds",
            )
            raise CallOver("call length limit (simulator guard)")

    def _answer(self) -> None:
        self._answered = True

    def _log_input(self, action: CallerAction) -> None:
        if isinstance(action, Press):
            self._event("input", input="press", key=action.key, barge_in=action.barge_in)
        elif isinstance(action, Speak):
            self._event(
                "input", input="speech", text=action.text, confidence=action.confidence, barge_in=action.barge_in
            )
        elif isinstance(action, Silence):
            self._event("input", input="silence")
        elif isinstance(action, HangUp):
            self._event("input", input="hangup")
        else:
            self._event("input", input="dial-outcome", status=action.status, duration=action.duration)
