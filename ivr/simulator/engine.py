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

The engine is assembled from one module per concept: :mod:`.call_core` (state, bookkeeping,
control-flow values), :mod:`.fetching` (the webhook and the reply), :mod:`.timing` (simulated
time), :mod:`.attributes` (reading attributes as Twilio does) and :mod:`.verbs` (the visitors,
each module listing the defaults it applies from Twilio's TwiML reference).

Simulated time (``now``, seconds since the call was answered) advances by speech length
estimates, pauses, timeouts, key presses and dial durations; it feeds ``CallDuration`` and the
call-length guard.  Two guards are the simulator's own, not Twilio's, and say so in their
report: too many webhook requests in a row without caller input (a redirect loop), and a call
longer than ``Limits.max_call_seconds``.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import replace

from ivr.simulator.call_core import CallOver, CallStateError, Continue, Fetch, Limits, VerbStart
from ivr.simulator.caller import CallerAction, CallState, Ended, HangUp, Press, Silence, Speak, Waiting
from ivr.simulator.fetching import APPLICATION_ERROR_MESSAGE
from ivr.simulator.timing import speech_seconds
from ivr.simulator.twiml_schema import Node
from ivr.simulator.verbs.control import ControlVerbs
from ivr.simulator.verbs.dial import DialVerb
from ivr.simulator.verbs.gather import GatherVerb
from ivr.simulator.verbs.record import RecordVerb

__all__ = ["APPLICATION_ERROR_MESSAGE", "CallEngine", "CallStateError", "Fetch", "Limits", "speech_seconds"]


class CallEngine(ControlVerbs, GatherVerb, RecordVerb, DialVerb):
    """One simulated inbound call.  Create, :meth:`start`, then :meth:`send` caller actions."""

    # -- driving -----------------------------------------------------------------------------

    def start(self) -> CallState:
        """Place the call: fetch the entry URL and run until the caller is needed or it ends."""
        if self.state is not None:
            raise CallStateError("the call has already started")
        self._gen = self._run()
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
            fallback_url=self.fallback_url,
            fallback_method=self.fallback_method,
            clock=self.clock,
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
        assert self._gen is not None, "start() the call first"
        try:
            self.state = self._gen.send(action)
        except StopIteration as stop:
            self.state = stop.value
        assert self.state is not None
        return self.state

    # -- the main loop -----------------------------------------------------------------------

    def _run(self, resume: VerbStart | None = None) -> Generator[Waiting, CallerAction, Ended]:
        try:
            if resume is None:
                fetch = Fetch(self.entry_url, self.entry_method)
            else:
                fetch = yield from self._run_document(resume.document, start=resume.index)
            while True:  # a document either fetches another or ends the call (CallOver)
                document = self._fetch(fetch)
                fetch = yield from self._run_document(document)
        except CallOver as over:
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
            self._verb_start = VerbStart(
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
        raise CallOver("end of document")

    def _visit(self, node: Node) -> Generator[Waiting, CallerAction, Fetch | Continue]:
        if node.tag != "Reject":
            self._answer()
        visitor = getattr(self, f"visit_{node.tag}", None)
        if visitor is None:
            return self._skip(node)
        result = visitor(node)
        if isinstance(result, Generator):
            result = yield from result
        return result


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
