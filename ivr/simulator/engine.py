"""The call engine: a tree-walking interpreter of voice TwiML that behaves like Twilio.

It fetches a document, walks its verbs top to bottom with one ``visit_<Verb>`` method per
verb, and follows control flow the way Twilio documents it: an action URL replaces the current
document, the end of a document hangs up.  It speaks only Twilio's protocol -- webhook POSTs
out, TwiML in -- so it runs against any TwiML app.

The engine is driven step by step.  ``visit_Gather``, ``visit_Record`` and ``visit_Dial`` are
generators that ``yield`` a :class:`~ivr.simulator.caller.Waiting` state when they need the
caller and receive the caller's :data:`~ivr.simulator.caller.CallerAction` back; everything
else runs straight through.  :meth:`CallEngine.start` and :meth:`CallEngine.send` return the
next state.  Given the same inputs and ``SidFactory`` seed a call replays identically, which
is what a breadth-first path explorer needs: it can replay input prefixes, or
:meth:`CallEngine.fork` a call where it waits and try each answer on its own copy.

Simulated time (``now``, seconds since the call was answered) advances by speech length
estimates, pauses, timeouts, key presses and dial durations; it feeds ``CallDuration`` and the
call-length guard.  Two guards are the simulator's own, not Twilio's, and say so in their
report: too many webhook requests in a row without caller input (a redirect loop), and a call
longer than ``Limits.max_call_seconds``.

Defaults, all from Twilio's TwiML reference (https://www.twilio.com/docs/voice/twiml/<verb>):

* ``<Say>``: voice ``man``, language ``en-US``, loop 1 (0 = until the call ends).
* ``<Play>``: loop 1 (0 = until the call ends); ``digits`` sends DTMF, not simulated.
* ``<Pause>``: length 1 second.
* ``<Gather>``: action = current document URL, method POST, timeout 5 s, finishOnKey ``#``
  (only after at least one digit), numDigits unlimited, input ``dtmf``, language ``en-US``,
  bargeIn true, actionOnEmptyResult false.  No input: fall through to the next verb.
* ``<Redirect>``: method POST; relative URLs resolve against the current document URL.
* ``<Dial>``: timeout 30 s, method POST, callerId = the caller's number, timeLimit 14400 s;
  with an action the outcome is POSTed (``DialCallStatus``, ``DialCallDuration``,
  ``DialCallSid``) and later verbs are unreachable; without one, the next verb runs.
* ``<Record>``: action = current document URL, method POST, timeout 5 s, finishOnKey
  ``1234567890*#``, maxLength 3600 s, playBeep true.  An empty recording does not request
  the action URL; the next verb runs.
* ``<Reject>``: reason ``rejected`` (call ends ``no-answer``) or ``busy`` (ends ``busy``).
* Response MIME types (https://www.twilio.com/docs/voice/twiml/your-response): XML/HTML is
  TwiML, ``audio/*`` is played then the call hangs up, ``text/plain`` is read out then the
  call hangs up.
* Errors (https://www.twilio.com/docs/api/errors/11200, /12100): a failed fetch (non-2xx,
  unreachable) is 11200, an unparsable document 12100; with no fallback URL Twilio tells the
  caller an application error has occurred and hangs up.
"""

from __future__ import annotations

import math
import re
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn
from urllib.parse import urljoin

from ivr.simulator.call_params import CallParties, SidFactory
from ivr.simulator.caller import (
    CallerAction,
    CallState,
    DialOutcome,
    Ended,
    HangUp,
    Press,
    Silence,
    Speak,
    Waiting,
)
from ivr.simulator.transcript import Event, Transcript
from ivr.simulator.transport import HttpResponse, Transport, TransportError
from ivr.simulator.twiml_schema import Node, Problem, parse_twiml

#: What Twilio tells the caller when it cannot fetch or parse the app's TwiML.
APPLICATION_ERROR_MESSAGE = "We are sorry, an application error has occurred. Goodbye."

#: Verbs Twilio runs that the simulator cannot emulate; the call ends with a clear report.
UNSUPPORTED_VERBS = frozenset(["Enqueue", "Leave", "Connect", "Pay", "Refer", "Echo", "Sms", "Queue", "Prompt"])
#: Verbs that start or stop background work on Twilio; the simulator notes and skips them.
BACKGROUND_VERBS = frozenset(["Start", "Stop"])

# Estimates for simulated time (the simulator cannot know real audio lengths).
PLAY_SECONDS_ESTIMATE = 3.0
KEY_PRESS_SECONDS = 0.3
RING_SECONDS = 5.0
DEFAULT_TALK_SECONDS = 60
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9']+")


def speech_seconds(text: str) -> float:
    """Rough spoken length of ``text``: ~4.5 CJK characters or ~2.5 words a second."""
    return round(0.3 + 0.22 * len(_CJK.findall(text)) + 0.4 * len(_WORD.findall(text)), 2)


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


class _Continue:
    """Sentinel: go on with the next verb of the current document."""


@dataclass(frozen=True)
class _VerbStart:
    """The engine as it was when the current verb began: enough to run that verb again in a fork."""

    document: Node
    index: int
    events: int
    now: float
    document_url: str
    requests_since_input: int
    call_status: str
    answered: bool


CONTINUE = _Continue()


class _CallOver(Exception):
    """Raised anywhere in the interpreter to end the call."""

    def __init__(self, reason: str, status: str = "completed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class CallStateError(AssertionError):
    """The driver asked for something the call cannot do now (e.g. pressing after hang-up)."""


def _int_attr(node: Node, name: str, default: int | None, minimum: int = 0) -> int | None:
    raw = node.attrs.get(name)
    if raw is None or not raw.strip().isdigit() or int(raw) < minimum:
        return default  # an invalid value was already reported as 12200; Twilio uses the default
    return int(raw)


def _bool_attr(node: Node, name: str, default: bool) -> bool:
    raw = node.attrs.get(name)
    return default if raw not in ("true", "false") else raw == "true"


def _method_attr(node: Node, name: str = "method") -> str:
    raw = node.attrs.get(name, "POST").upper()
    return raw if raw in ("GET", "POST") else "POST"


def _own_text(node: Node) -> str:
    """Text directly inside ``node`` (not inside its child nouns)."""
    return " ".join("".join(c for c in node.children if isinstance(c, str)).split())


class CallEngine:
    """One simulated inbound call.  Create, :meth:`start`, then :meth:`send` caller actions."""

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
    ) -> None:
        self.transport = transport
        self.entry_url = entry_url
        self.entry_method = entry_method.upper()
        self.parties = parties
        self.status_callback = status_callback
        self.status_callback_method = status_callback_method.upper()
        self.limits = limits or Limits()
        self.sids = sids or SidFactory()
        self.transcript = Transcript(parties.call_sid)
        self.problems: list[dict[str, Any]] = []
        self.now = 0.0
        self.document_url = entry_url
        self.state: CallState | None = None
        self._call_status = "ringing"
        self._answered = False
        self._requests_since_input = 0
        self._verb_start: _VerbStart | None = None  # None once the caller has acted on the current wait
        self._recording_callbacks: list[tuple[Fetch, dict[str, str]]] = []  # sent when the call ends
        self._gen = self._run()

    # -- driving -----------------------------------------------------------------------------

    def start(self) -> CallState:
        """Place the call: fetch the entry URL and run until the caller is needed or it ends."""
        if self.state is not None:
            raise CallStateError("the call has already started")
        return self._advance(None)

    def send(self, action: CallerAction) -> CallState:
        """Give the waiting call the caller's next action; returns the next state."""
        state = self.state
        if state is None:
            raise CallStateError("the call has not started")
        if isinstance(state, Ended):
            raise CallStateError(f"the call has ended ({state.reason}); the caller cannot {_verb(action)}")
        if not state.accepts(action):
            raise CallStateError(f"the call is waiting for a {state.kind}; the caller cannot {_verb(action)} now")
        self._requests_since_input = 0
        self._verb_start = None  # the wait has begun to change: a fork could no longer replay it
        return self._advance(action)

    def fork(self) -> CallEngine:
        """A copy of this call at the point where it waits, to be driven independently.

        The copy shares the transport (and so its cookies), keeps the call's SIDs, transcript,
        problems and simulated time, and re-enters the waiting verb from its start -- the
        verb re-emits its prompts without any request, so the copy's transcript is the one a
        replay of the same inputs would give.  Forking makes no request: exploring every answer
        at a wait costs one request per answer instead of a replay of the whole call.  Only a
        wait the caller has not yet acted on can be forked (a half-typed ``<Gather>`` cannot).
        Forks are meaningful for apps that keep a call's state in their URLs or per call, not
        in cookies shared by the forks.
        """
        point = self._verb_start
        if not isinstance(self.state, Waiting) or point is None:
            raise CallStateError("a call can only be forked while it waits for the caller, before the caller acts")
        twin = CallEngine(
            self.transport,
            self.entry_url,
            replace(self.parties, extra=dict(self.parties.extra)),
            entry_method=self.entry_method,
            status_callback=self.status_callback,
            status_callback_method=self.status_callback_method,
            limits=self.limits,
            sids=self.sids.copy(),
        )
        # Events before the verb are final; the verb's own (prompts it may later mark interrupted) are re-made.
        twin.transcript.events = self.transcript.events[: point.events]
        twin.problems = list(self.problems)
        twin.now = point.now
        twin.document_url = point.document_url
        twin._requests_since_input = point.requests_since_input
        twin._call_status = point.call_status
        twin._answered = point.answered
        twin._recording_callbacks = list(self._recording_callbacks)
        twin._gen = twin._run(resume=point)
        twin._advance(None)
        return twin

    def _advance(self, action: CallerAction | None) -> CallState:
        try:
            self.state = self._gen.send(action)
        except StopIteration as stop:
            self.state = stop.value
        assert self.state is not None
        return self.state

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

    # -- bookkeeping -------------------------------------------------------------------------

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
            raise _CallOver("call length limit (simulator guard)")

    def _answer(self) -> None:
        self._answered = True

    # -- the main loop -----------------------------------------------------------------------

    def _run(self, resume: _VerbStart | None = None) -> Generator[Waiting, CallerAction, Ended]:
        try:
            if resume is None:
                fetch = Fetch(self.entry_url, self.entry_method)
            else:
                fetch = yield from self._run_document(resume.document, start=resume.index)
            while True:  # a document either fetches another or ends the call (_CallOver)
                document = self._fetch(fetch)
                fetch = yield from self._run_document(document)
        except _CallOver as over:
            reason, status = over.reason, over.status
        duration = self.now if self._answered else 0.0
        self._event("end", reason=reason, status=status, duration=math.ceil(duration))
        for fetch, params in self._recording_callbacks:
            self._request(fetch, params, "recording-status-callback")
        self._send_status_callback(status, duration)
        return Ended(reason, status, duration, clean=not self.problems)

    def _run_document(self, root: Node, start: int = 0) -> Generator[Waiting, CallerAction, Fetch]:
        verbs = root.elements()
        for index in range(start, len(verbs)):
            self._verb_start = _VerbStart(
                root,
                index,
                len(self.transcript.events),
                self.now,
                self.document_url,
                self._requests_since_input,
                self._call_status,
                self._answered,
            )
            outcome = yield from self._visit(verbs[index])
            if isinstance(outcome, Fetch):
                return outcome
        raise _CallOver("end of document")

    def _visit(self, node: Node) -> Generator[Waiting, CallerAction, Fetch | _Continue]:
        if node.tag != "Reject":
            self._answer()
        visitor = getattr(self, f"visit_{node.tag}", None)
        if visitor is None:
            return self._skip(node)
        result = visitor(node)
        if isinstance(result, Generator):
            result = yield from result
        return result

    def _skip(self, node: Node) -> _Continue:
        if node.tag in UNSUPPORTED_VERBS:
            self._problem(
                "simulator:unsupported",
                "error",
                f"<{node.tag}> is valid TwiML but the simulator cannot emulate it; the simulated call ends here",
                line=node.line,
            )
            raise _CallOver(f"<{node.tag}> not supported by the simulator")
        if node.tag in BACKGROUND_VERBS:
            self._note(f"<{node.tag}> (line {node.line}) starts/stops background media on Twilio; not simulated")
        else:
            self._note(f"skipped <{node.tag}> (line {node.line}): not a verb Twilio can run here")
        return CONTINUE

    # -- fetching ----------------------------------------------------------------------------

    def _request(self, fetch: Fetch, params: dict[str, str], role: str) -> HttpResponse | None:
        try:
            response = self.transport.request(fetch.method, fetch.url, params)
        except TransportError as exc:
            self._event(
                "request", role=role, method=fetch.method, url=fetch.url, params=params, status=None, failure=str(exc)
            )
            return None
        self._event("request", role=role, method=fetch.method, url=fetch.url, params=params, status=response.status)
        return response

    def _fetch(self, fetch: Fetch) -> Node:
        self._requests_since_input += 1
        if self._requests_since_input > self.limits.max_requests_without_input:
            self._problem(
                "simulator:loop",
                "error",
                f"{self.limits.max_requests_without_input} webhook requests in a row without any caller input "
                f"(last: {fetch.method} {fetch.url}); probably a <Redirect> loop",
            )
            raise _CallOver("request loop (simulator guard)")
        params = {**self.parties.params(self._call_status), **fetch.params}
        response = self._request(fetch, params, "webhook")
        self._call_status = "in-progress"
        if response is None:
            self.document_url = fetch.url
            failure = self.transcript.events[-1].data["failure"]
            self._application_error(11200, f"HTTP retrieval failure: {failure}")
        self.document_url = response.url
        if not response.ok:
            self._application_error(
                11200, f"HTTP retrieval failure: {fetch.method} {response.url} returned HTTP {response.status}"
            )
        content_type = response.content_type
        if content_type.startswith("audio/"):
            self._note(f"the response is {content_type}: Twilio plays it, then hangs up")
            return Node("Response", {}, 0, 0, [Node("Play", {}, 0, 0, [response.url]), Node("Hangup", {}, 0, 0)])
        if content_type == "text/plain":
            self._note("the response is text/plain: Twilio reads it out, then hangs up")
            text = response.body.decode("utf-8", "replace")
            return Node("Response", {}, 0, 0, [Node("Say", {}, 0, 0, [text]), Node("Hangup", {}, 0, 0)])
        if content_type not in ("text/xml", "application/xml", "text/html"):
            self._note(
                f"Content-Type {content_type or '(missing)'} is not one Twilio documents for TwiML; parsed as TwiML"
            )
        parsed = parse_twiml(response.body)
        for problem in parsed.problems:
            self._report(problem)
        if parsed.root is None:
            self._application_error(None, None)
        return parsed.root

    def _report(self, problem: Problem) -> None:
        self._problem(problem.code, problem.severity, problem.message, line=problem.line)

    def _application_error(self, code: int | None, message: str | None) -> NoReturn:
        if code is not None and message is not None:
            self._problem(code, "error", message)
        self._event("say", text=APPLICATION_ERROR_MESSAGE, language="en-US", voice="man", loop=1, source="twilio")
        self._answered = True
        self._advance_time(speech_seconds(APPLICATION_ERROR_MESSAGE))
        raise _CallOver("application error")

    def _send_status_callback(self, status: str, duration: float) -> None:
        if not self.status_callback:
            return
        params = {**self.parties.params(status), "CallDuration": str(math.ceil(duration))}
        response = self._request(Fetch(self.status_callback, self.status_callback_method), params, "status-callback")
        if response is None or not response.ok:
            self._note("the status callback failed; Twilio ignores its response but logs the failure")

    # -- prompts -----------------------------------------------------------------------------

    def _prompt(self, node: Node) -> tuple[Event | None, float]:
        """Emit what ``node`` (Say/Play/Pause) makes the caller hear; return it and its length.

        A length of ``math.inf`` means the prompt loops until the call ends (``loop="0"``).
        """
        if node.tag == "Say":
            loop = _int_attr(node, "loop", 1)
            text = node.text
            event = self._event(
                "say",
                text=text,
                language=node.attrs.get("language", "en-US"),
                voice=node.attrs.get("voice", "man"),
                loop=loop,
            )
            return event, (math.inf if loop == 0 else speech_seconds(text) * (loop or 1))
        if node.tag == "Play":
            loop = _int_attr(node, "loop", 1)
            url = node.text
            if "digits" in node.attrs:
                self._note(f"<Play digits={node.attrs['digits']!r}> sends DTMF tones to the line; not simulated")
            if not url:
                return None, 0.0
            event = self._event("play", url=urljoin(self.document_url, url), loop=loop)
            return event, (math.inf if loop == 0 else PLAY_SECONDS_ESTIMATE * (loop or 1))
        length = _int_attr(node, "length", 1)
        assert length is not None
        return self._event("pause", length=length), float(length)

    def _play_prompt(self, node: Node) -> _Continue:
        _event, seconds = self._prompt(node)
        if seconds == math.inf:
            self._note(f'<{node.tag} loop="0"> (line {node.line}) repeats until the call ends; the caller hangs up')
            raise _CallOver("caller hung up during an endless prompt")
        self._advance_time(seconds)
        return CONTINUE

    def visit_Say(self, node: Node) -> _Continue:
        """Speak the text (SSML tags stripped) in the given language and voice, ``loop`` times."""
        return self._play_prompt(node)

    def visit_Play(self, node: Node) -> _Continue:
        """Play the audio URL ``loop`` times (relative URLs resolve against the document URL)."""
        return self._play_prompt(node)

    def visit_Pause(self, node: Node) -> _Continue:
        """Wait silently for ``length`` seconds (default 1)."""
        return self._play_prompt(node)

    # -- verbs that transfer control --------------------------------------------------------

    def visit_Redirect(self, node: Node) -> Fetch | _Continue:
        """Fetch the URL in the body (relative to the current document) with ``method``."""
        url = node.text
        if not url:
            self._note(f"<Redirect> without a URL (line {node.line}); skipped")
            return CONTINUE
        return Fetch(urljoin(self.document_url, url), _method_attr(node))

    def visit_Hangup(self, node: Node) -> _Continue:
        """End the call."""
        raise _CallOver("<Hangup>")

    def visit_Reject(self, node: Node) -> _Continue:
        """Refuse an unanswered call: ``busy`` ends it busy, ``rejected`` ends it no-answer."""
        reason = node.attrs.get("reason", "rejected")
        if reason not in ("rejected", "busy"):
            reason = "rejected"
        if self._answered:
            self._note("<Reject> after the call was answered (Twilio documents it only as the first verb); hanging up")
            raise _CallOver("<Reject> after answer")
        raise _CallOver(f"rejected ({reason})", "busy" if reason == "busy" else "no-answer")

    # -- verbs that wait for the caller ------------------------------------------------------

    def visit_Gather(self, node: Node) -> Generator[Waiting, CallerAction, Fetch | _Continue]:
        """Collect DTMF digits and/or speech; see the module docstring for the defaults."""
        action = urljoin(self.document_url, node.attrs["action"]) if node.attrs.get("action") else self.document_url
        method = _method_attr(node)
        timeout = _int_attr(node, "timeout", 5, minimum=1)
        assert timeout is not None
        num_digits = _int_attr(node, "numDigits", None, minimum=1)
        finish = node.attrs.get("finishOnKey", "#")
        if not (finish == "" or (len(finish) == 1 and finish in "0123456789*#")):
            finish = "#"
        inputs = node.attrs.get("input", "dtmf").split()
        if not inputs or not set(inputs) <= {"dtmf", "speech"}:
            inputs = ["dtmf"]
        on_empty = _bool_attr(node, "actionOnEmptyResult", False)
        barge_in_allowed = _bool_attr(node, "bargeIn", True)
        prompts: list[tuple[Event | None, float]] = [
            self._prompt(child) for child in node.elements() if child.tag in ("Say", "Play", "Pause")
        ]
        self._event(
            "gather",
            action=action,
            method=method,
            input=" ".join(inputs),
            timeout=timeout,
            numDigits=num_digits,
            finishOnKey=finish,
            language=node.attrs.get("language", "en-US"),
            hints=node.attrs.get("hints"),
            actionOnEmptyResult=on_empty,
            line=node.line,
        )
        prompts_over = False
        digits = ""
        heard_count = sum(1 for e, _ in prompts if e is not None)

        def submit(params: dict[str, str]) -> Fetch:
            return Fetch(action, method, params)

        while True:
            act = yield Waiting(
                "gather",
                {
                    "action": action,
                    "method": method,
                    "input": inputs,
                    "digits": digits,
                    "numDigits": num_digits,
                    "finishOnKey": finish,
                    "timeout": timeout,
                    "language": node.attrs.get("language", "en-US"),
                    "hints": node.attrs.get("hints"),
                    "line": node.line,
                    "prompts": 0 if prompts_over else heard_count,  # nested prompt events just before the wait
                },
            )
            if not prompts_over:
                prompts_over = True
                self._finish_prompts(prompts, act, barge_in_allowed)
            self._log_input(act)
            if isinstance(act, HangUp):
                raise _CallOver("caller hung up")
            if isinstance(act, Press):
                if "dtmf" not in inputs:
                    self._note("key press ignored: this <Gather> listens for speech only")
                    continue
                self._advance_time(KEY_PRESS_SECONDS)
                if finish and act.key == finish:
                    if digits:
                        return submit({"Digits": digits})
                    self._note(
                        f"{finish} pressed before any digit: finishOnKey only ends a digit sequence; still waiting"
                    )
                    continue
                digits += act.key
                if num_digits is not None and len(digits) >= num_digits:
                    return submit({"Digits": digits})
                continue
            if isinstance(act, Speak):
                if "speech" not in inputs:
                    self._note('speech ignored: this <Gather> listens for keys only (input="dtmf")')
                    continue
                spoken = act.seconds if act.seconds is not None else speech_seconds(act.text)
                self._advance_time(spoken + 1.0)  # + end-of-speech detection
                return submit({"SpeechResult": act.text, "Confidence": f"{act.confidence:g}"})
            # Silence: the timeout runs out.
            self._advance_time(timeout)
            if digits:
                return submit({"Digits": digits})
            if on_empty:
                return submit({})
            self._note("no input before the timeout: continuing with the next verb")
            return CONTINUE

    def _finish_prompts(
        self, prompts: list[tuple[Event | None, float]], act: CallerAction, barge_in_allowed: bool
    ) -> None:
        """Account for the nested prompts once the caller's first action is known."""
        heard = [(e, s) for e, s in prompts if e is not None or s]
        barging = isinstance(act, Press | Speak) and act.barge_in and barge_in_allowed
        if barging and heard:
            during = min(max(act.during, 0), len(heard) - 1)  # type: ignore[union-attr]
            whole = sum(s for _, s in heard[:during])
            cut_event, cut_seconds = heard[during]
            if cut_event is not None:
                cut_event.data["interrupted"] = True
            for event, _ in heard[during + 1 :]:
                if event is not None:
                    event.data["skipped"] = True
            self._advance_time(whole + (0.0 if cut_seconds == math.inf else cut_seconds / 2))
            return
        total = sum(s for _, s in heard)
        if total == math.inf:
            if isinstance(act, Silence):
                self._note('a nested prompt loops forever (loop="0"), so the timeout never starts; the caller hangs up')
                raise _CallOver("caller hung up during an endless prompt")
            return  # the caller acted while the endless prompt was playing
        self._advance_time(total)

    def visit_Record(self, node: Node) -> Generator[Waiting, CallerAction, Fetch | _Continue]:
        """Record the caller; see the module docstring for the defaults."""
        action = urljoin(self.document_url, node.attrs["action"]) if node.attrs.get("action") else self.document_url
        method = _method_attr(node)
        timeout = _int_attr(node, "timeout", 5)
        max_length = _int_attr(node, "maxLength", 3600, minimum=1)
        assert timeout is not None and max_length is not None
        finish = node.attrs.get("finishOnKey", "1234567890*#")
        if not finish or any(ch not in "0123456789*#" for ch in finish):
            finish = "1234567890*#"
        if _bool_attr(node, "transcribe", False):
            self._note('transcribe="true": transcription is not simulated')
        self._event(
            "record",
            action=action,
            method=method,
            timeout=timeout,
            maxLength=max_length,
            finishOnKey=finish,
            line=node.line,
        )
        if _bool_attr(node, "playBeep", True):
            self._event("beep")
            self._advance_time(0.5)
        recorded = 0.0
        ended_by = ""
        while True:
            act = yield Waiting(
                "record",
                {
                    "action": action,
                    "method": method,
                    "finishOnKey": finish,
                    "maxLength": max_length,
                    "timeout": timeout,
                    "recorded": recorded,
                    "line": node.line,
                },
            )
            self._log_input(act)
            if isinstance(act, HangUp):
                self._note("the caller hung up while recording; the simulator ends the call without an action request")
                raise _CallOver("caller hung up")
            if isinstance(act, Speak):
                seconds = act.seconds if act.seconds is not None else speech_seconds(act.text)
                if recorded + seconds >= max_length:
                    self._advance_time(max_length - recorded)
                    recorded = float(max_length)
                    break
                self._advance_time(seconds)
                recorded += seconds
                continue
            if isinstance(act, Press):
                self._advance_time(KEY_PRESS_SECONDS)
                if act.key in finish:
                    ended_by = act.key
                    break
                self._note(f"key {act.key} is not in finishOnKey {finish!r}: it is just sound on the recording")
                continue
            self._advance_time(timeout)  # Silence
            break
        if recorded <= 0:
            self._queue_recording_status(node, "absent", "", 0)
            self._event("recording", duration=0, digits=ended_by)
            self._note("empty recording: Twilio does not request the action URL; continuing with the next verb")
            return CONTINUE
        recording_sid = self.sids.make("RE")
        url = f"https://api.twilio.com/2010-04-01/Accounts/{self.parties.account_sid}/Recordings/{recording_sid}"
        duration = math.ceil(recorded)
        self._queue_recording_status(node, "completed", url, duration, recording_sid)
        self._event("recording", duration=duration, digits=ended_by, url=url)
        return Fetch(
            action,
            method,
            {
                "RecordingUrl": url,
                "RecordingDuration": str(duration),
                "RecordingSid": recording_sid,
                "Digits": ended_by,
            },
        )

    def _queue_recording_status(self, node: Node, status: str, url: str, duration: int, sid: str = "") -> None:
        """``recordingStatusCallback``: Twilio posts it asynchronously once the recording is processed
        (https://www.twilio.com/docs/usage/webhooks/voice-webhooks#recording-status-callbacks); the
        simulator sends it when the call ends, before the call's status callback. Only the events in
        ``recordingStatusCallbackEvent`` (default ``completed``) are sent."""
        target = node.attrs.get("recordingStatusCallback")
        if not target or status not in node.attrs.get("recordingStatusCallbackEvent", "completed").split():
            return
        params = {
            "AccountSid": self.parties.account_sid,
            "CallSid": self.parties.call_sid,
            "RecordingSid": sid or self.sids.make("RE"),
            "RecordingUrl": url,
            "RecordingStatus": status,
            "RecordingDuration": str(duration),
            "RecordingChannels": "1",
            "RecordingSource": "RecordVerb",
            "ErrorCode": "0",
        }
        fetch = Fetch(urljoin(self.document_url, target), _method_attr(node, "recordingStatusCallbackMethod"))
        self._recording_callbacks.append((fetch, params))

    def visit_Dial(self, node: Node) -> Generator[Waiting, CallerAction, Fetch | _Continue]:
        """Connect the caller to another party and wait for the driver to say how it went."""
        targets = []
        if own := _own_text(node):
            targets.append(own)
        prefixes = {
            "Number": "",
            "Sip": "",
            "Client": "client:",
            "Conference": "conference:",
            "Queue": "queue:",
            "Sim": "sim:",
            "Application": "application:",
            "WhatsApp": "whatsapp:",
        }
        for noun in node.elements():
            if noun.tag in prefixes:
                targets.append(prefixes[noun.tag] + noun.text)
                if noun.tag in ("Conference", "Queue"):
                    self._note(f"<{noun.tag}> in <Dial> is simulated as a call to one party")
        if not targets:
            self._note(f"<Dial> with nothing to dial (line {node.line}); skipped")
            return CONTINUE
        timeout = _int_attr(node, "timeout", 30, minimum=1)
        time_limit = _int_attr(node, "timeLimit", 14400, minimum=1)
        assert timeout is not None and time_limit is not None
        caller_id = node.attrs.get("callerId", self.parties.from_)
        action = urljoin(self.document_url, node.attrs["action"]) if node.attrs.get("action") else None
        method = _method_attr(node)
        self._event("dial", targets=targets, timeout=timeout, callerId=caller_id, action=action, line=node.line)
        act = yield Waiting(
            "dial", {"targets": targets, "timeout": timeout, "action": action, "method": method, "line": node.line}
        )
        self._log_input(act)
        if isinstance(act, HangUp):
            raise _CallOver("caller hung up")
        assert isinstance(act, DialOutcome)
        talk = 0
        if act.status == "completed":
            talk = min(act.duration if act.duration is not None else DEFAULT_TALK_SECONDS, time_limit)
            self._advance_time(RING_SECONDS + talk)
        elif act.status == "no-answer":
            self._advance_time(timeout)
        elif act.status == "busy":
            self._advance_time(RING_SECONDS / 2)
        else:
            self._advance_time(1.0)
        self._event("dial-result", status=act.status, duration=talk)
        if action is None:
            return CONTINUE
        params = {"DialCallStatus": act.status, "DialCallDuration": str(talk), "DialCallSid": self.sids.make("CA")}
        return Fetch(action, method, params)


def _verb(action: CallerAction) -> str:
    if isinstance(action, Press):
        return f"press {action.key}"
    if isinstance(action, Speak):
        return f"say {action.text!r}"
    if isinstance(action, Silence):
        return "stay silent"
    if isinstance(action, HangUp):
        return "hang up"
    return f"report a dial outcome ({action.status})"
