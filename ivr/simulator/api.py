"""The pytest-facing API: place a simulated call in one line, act and assert in a few more.

::

    call = Simulator(app).call()            # a WSGI app in-process, or Simulator("http://host/voice")
    call.press("1")
    assert "refund" in call.heard           # what was said since the caller's last input
    call.say("refund", confidence=0.9)
    assert call.dialed == "95188"
    call.dial_outcome("busy")

By default a simulator is *strict*: the moment the app returns TwiML that Twilio would log a
problem for (12100 parse failure, 12200 schema warning such as a misspelled attribute, a value
Twilio rejects such as 13511 for an unknown voice, 11205/11217/11750/12300 fetch failures) or
the call trips a simulator guard, the step raises :class:`CallProblem`.
That is the point of the simulator -- a typo like ``numdigits`` makes Twilio silently use the
default, and a test should fail on it.  Tests that study failure behaviour pass
``strict=False`` and look at ``call.problems``.

Every failure message ends with the readable transcript of the call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from ivr.simulator.call_params import CallParties, SidFactory
from ivr.simulator.caller import CallerAction, CallState, DialOutcome, Ended, HangUp, Press, Silence, Speak, Waiting
from ivr.simulator.engine import CallEngine, CallStateError, Limits
from ivr.simulator.transcript import Transcript
from ivr.simulator.transport import HttpTransport, Transport, WsgiTransport

DEFAULT_FROM = "+8613800000000"
DEFAULT_TO = "+8657100000000"
DEFAULT_ENTRY_PATH = "/voice/incoming"


class CallProblem(AssertionError):
    """A strict simulator saw Twilio-level problems in the app's responses."""


def _with_transcript(message: str, transcript: Transcript) -> str:
    return f"{message}\n\n--- call transcript ---\n{transcript.render()}"


class Simulator:
    """Places simulated inbound calls to one TwiML app.

    ``target`` is a WSGI app (called in-process, as if deployed at ``base_url``) or the
    absolute URL of the app's voice webhook (called over HTTP).  ``entry_path`` is the
    webhook path: for an app it defaults to ``/voice/incoming``; for a URL it is resolved
    against that URL (default: the URL itself).  With ``auth_token`` every request is signed
    like Twilio signs it.  ``status_callback`` (a URL or a path relative to the entry URL)
    receives the final ``CallStatus`` and ``CallDuration``.  ``fallback_url`` (a URL or a path
    relative to the entry URL) is the number's Voice fallback URL: Twilio requests it when a
    fetch fails (11205, 11217, 11750, 12300, 12100).  ``seed`` makes the SIDs reproducible.
    ``clock`` (seconds, default ``time.monotonic``) times each response against Twilio's 15 s.
    """

    def __init__(
        self,
        target: Callable[..., Any] | str,
        *,
        auth_token: str | None = None,
        from_: str = DEFAULT_FROM,
        to: str = DEFAULT_TO,
        entry_path: str | None = None,
        base_url: str = "http://localhost",
        status_callback: str | None = None,
        method: str = "POST",
        strict: bool = True,
        limits: Limits | None = None,
        seed: int | None = None,
        account_sid: str | None = None,
        fallback_url: str | None = None,
        fallback_method: str = "POST",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.auth_token = auth_token
        self.from_ = from_
        self.to = to
        self.base_url = base_url
        if isinstance(target, str):
            self.entry_url = urljoin(target, entry_path) if entry_path else target
        else:
            self.entry_url = urljoin(base_url, entry_path or DEFAULT_ENTRY_PATH)
        self.status_callback = urljoin(self.entry_url, status_callback) if status_callback else None
        self.fallback_url = urljoin(self.entry_url, fallback_url) if fallback_url else None
        self.fallback_method = fallback_method
        self.clock = clock
        self.method = method
        self.strict = strict
        self.limits = limits or Limits()
        self._sids = SidFactory(seed)
        self.account_sid = account_sid or self._sids.make("AC")

    def transport(self) -> Transport:
        """A fresh transport (one per call, so each call has its own cookies)."""
        if isinstance(self.target, str):
            return HttpTransport(auth_token=self.auth_token)
        return WsgiTransport(self.target, base_url=self.base_url, auth_token=self.auth_token)

    def engine(self, *, from_: str | None = None, to: str | None = None) -> CallEngine:
        """An unstarted call engine, for drivers that want the low-level state machine."""
        parties = CallParties(
            from_=from_ or self.from_, to=to or self.to, call_sid=self._sids.make("CA"), account_sid=self.account_sid
        )
        return CallEngine(
            self.transport(),
            self.entry_url,
            parties,
            entry_method=self.method,
            status_callback=self.status_callback,
            limits=self.limits,
            sids=self._sids,
            fallback_url=self.fallback_url,
            fallback_method=self.fallback_method,
            clock=self.clock,
        )

    def call(self, *, from_: str | None = None, to: str | None = None) -> Call:
        """Place a call and run it until the caller is needed (or it ends)."""
        call = Call(self.engine(from_=from_, to=to), strict=self.strict)
        call._step(None)
        return call


class Call:
    """One simulated call, driven by the caller's actions; every action returns ``self``."""

    def __init__(self, engine: CallEngine, *, strict: bool = True) -> None:
        self.engine = engine
        self.strict = strict

    # -- acting ------------------------------------------------------------------------------

    def _step(self, action: CallerAction | None) -> None:
        seen = len(self.engine.problems)
        try:
            if action is None:
                self.engine.start()
            else:
                self.engine.send(action)
        except CallStateError as exc:
            raise CallStateError(_with_transcript(str(exc), self.transcript)) from None
        fresh = self.engine.problems[seen:]
        if self.strict and fresh:
            lines = "\n".join(
                f"  {p['severity'].upper()} {p['code']}"
                + (f" line {p['line']}" if p.get("line") else "")
                + f" ({p['url']}): {p['message']}"
                for p in fresh
            )
            message = f"the app's TwiML has problems Twilio would report:\n{lines}"
            raise CallProblem(_with_transcript(message, self.transcript))

    def press(self, keys: str, *, barge_in: bool = False, during: int = 0) -> Call:
        """Press each key of ``keys`` in turn (``"12#"`` presses 1, 2, #).

        ``barge_in=True`` presses the first key while a prompt nested in ``<Gather>`` is still
        playing (the ``during``-th, 0 the first), cutting it short.
        """
        if not keys:
            raise ValueError("press() needs at least one key")
        for index, key in enumerate(keys):
            if index and self.ended:
                raise CallStateError(
                    _with_transcript(f"the call ended before key {key!r} of {keys!r} was pressed", self.transcript)
                )
            first = index == 0
            self._step(Press(key, barge_in=barge_in and first, during=during if first else 0))
        return self

    def say(
        self,
        text: str,
        confidence: float = 0.9,
        *,
        barge_in: bool = False,
        during: int = 0,
        seconds: float | None = None,
    ) -> Call:
        """Say ``text``; the speech recogniser returns it verbatim with ``confidence``.

        ``seconds``: how long the caller spoke, when measured (else estimated from ``text``)."""
        self._step(Speak(text, confidence, barge_in=barge_in, during=during, seconds=seconds))
        return self

    def silence(self) -> Call:
        """Do nothing until the waiting verb times out."""
        self._step(Silence())
        return self

    def hangup(self) -> Call:
        """Hang up."""
        self._step(HangUp())
        return self

    def dial_outcome(self, status: str, duration: int | None = None) -> Call:
        """Answer a waiting ``<Dial>``: completed/answered, busy, no-answer, failed or canceled."""
        self._step(DialOutcome(status, duration))
        return self

    def fork(self) -> Call:
        """An independent copy of this call at the wait it is in, to try another answer there.

        ``a = call.fork(); a.press("1"); b = call.fork(); b.press("2")`` explores two answers
        without placing the call twice; see :meth:`CallEngine.fork` for what is shared.
        """
        try:
            return Call(self.engine.fork(), strict=self.strict)
        except CallStateError as exc:
            raise CallStateError(_with_transcript(str(exc), self.transcript)) from None

    def leave_message(self, words: str = "this is a test message", finish_key: str | None = "#") -> Call:
        """At a waiting ``<Record>``: speak ``words``, then press ``finish_key`` (None: go silent)."""
        self.say(words)
        if self.waiting_for == "record":
            if finish_key is None:
                self.silence()
            else:
                self.press(finish_key)
        return self

    # -- observing ---------------------------------------------------------------------------

    @property
    def state(self) -> CallState:
        """The engine's current state (:class:`Waiting` or :class:`Ended`)."""
        assert self.engine.state is not None
        return self.engine.state

    @property
    def transcript(self) -> Transcript:
        """Everything that happened on the call (``str()`` it for a readable listing)."""
        return self.engine.transcript

    @property
    def heard(self) -> str:
        """The words said to the caller since their last input, one ``<Say>`` per line."""
        return Transcript.heard_text(self.transcript.since_last_input())

    @property
    def played(self) -> list[str]:
        """Audio URLs played since the caller's last input (absolute)."""
        return [e.data["url"] for e in self.transcript.since_last_input() if e.kind == "play"]

    @property
    def languages(self) -> list[str]:
        """Languages of the ``<Say>`` prompts since the caller's last input, first-heard order."""
        seen: list[str] = []
        for event in self.transcript.since_last_input():
            if event.kind == "say" and event.data["language"] not in seen:
                seen.append(event.data["language"])
        return seen

    @property
    def dialed(self) -> str | None:
        """The number (or SIP/client address) of the most recent ``<Dial>``, if any."""
        dials = self.transcript.of_kind("dial")
        return dials[-1].data["targets"][0] if dials else None

    @property
    def waiting_for(self) -> str | None:
        """``"gather"``, ``"record"`` or ``"dial"`` while the call waits; None once it has ended."""
        state = self.state
        return state.kind if isinstance(state, Waiting) else None

    @property
    def ended(self) -> bool:
        """Whether the call is over."""
        return isinstance(self.state, Ended)

    @property
    def end_reason(self) -> str | None:
        """Why the call ended (e.g. ``end of document``, ``<Hangup>``, ``application error``)."""
        state = self.state
        return state.reason if isinstance(state, Ended) else None

    @property
    def problems(self) -> list[dict[str, Any]]:
        """Every problem Twilio (or a simulator guard) would report, in order."""
        return list(self.engine.problems)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every HTTP request made (webhooks and the status callback), as event data."""
        return [e.data for e in self.transcript.of_kind("request")]

    # -- asserting ---------------------------------------------------------------------------

    def fail(self, message: str) -> AssertionError:
        """An AssertionError carrying ``message`` and the readable transcript."""
        return AssertionError(_with_transcript(message, self.transcript))

    def expect_heard(self, text: str) -> Call:
        """Assert ``text`` was said since the caller's last input."""
        if text not in self.heard:
            raise self.fail(f"expected to hear {text!r} since the last input; heard {self.heard!r}")
        return self

    def expect_not_heard(self, text: str) -> Call:
        """Assert ``text`` was not said since the caller's last input."""
        if text in self.heard:
            raise self.fail(f"did not expect to hear {text!r}; heard {self.heard!r}")
        return self

    def expect_waiting(self, kind: str) -> Call:
        """Assert the call waits for ``kind`` (gather, record or dial)."""
        if self.waiting_for != kind:
            raise self.fail(f"expected the call to wait for a {kind}; it is {self.waiting_for or 'over'}")
        return self

    def expect_ended(self, reason: str | None = None) -> Call:
        """Assert the call is over (and, if given, that ``reason`` is part of why)."""
        if not self.ended or (reason is not None and reason not in (self.end_reason or "")):
            why = f" ({reason})" if reason else ""
            raise self.fail(f"expected the call to have ended{why}; state: {self.state}")
        return self

    def expect_clean(self) -> Call:
        """Assert nothing Twilio would log went wrong on this call."""
        if self.problems:
            raise self.fail(f"expected no problems; got {len(self.problems)}")
        return self


__all__ = ["Call", "CallProblem", "CallStateError", "Simulator"]
