"""``<Dial>``: connect the caller to another party; the driver says how the dialled call went.

Defaults (https://www.twilio.com/docs/voice/twiml/dial): timeout 30 s, method POST, callerId =
the caller's number, timeLimit 14400 s; with an action the outcome is POSTed
(``DialCallStatus``, ``DialCallDuration``, ``DialCallSid``) and later verbs are unreachable;
without one, the next verb runs.  "Twilio will make a GET or POST request to the action URL (if
provided) when the <Dial> call ends" -- also when the caller hangs up: the simulator then posts
``DialCallStatus=canceled`` (the dialled party never answered) and runs nothing it returns.
"""

from __future__ import annotations

from collections.abc import Generator

from ivr.simulator.attributes import int_attr, method_attr, own_text, resolve
from ivr.simulator.call_core import CONTINUE, CallOver, Continue, Fetch
from ivr.simulator.caller import CallerAction, DialOutcome, HangUp, Waiting
from ivr.simulator.fetching import Fetching
from ivr.simulator.timing import DEFAULT_TALK_SECONDS, RING_SECONDS
from ivr.simulator.twiml_schema import Node

#: How each noun's target is written in the transcript and the ``Waiting`` details.
NOUN_PREFIXES = {
    "Number": "",
    "Sip": "",
    "Client": "client:",
    "Conference": "conference:",
    "Queue": "queue:",
    "Sim": "sim:",
    "Application": "application:",
    "WhatsApp": "whatsapp:",
}


class DialVerb(Fetching):
    """The ``<Dial>`` visitor."""

    def visit_Dial(self, node: Node) -> Generator[Waiting, CallerAction, Fetch | Continue]:
        """Connect the caller to another party and wait for the driver to say how it went."""
        targets = []
        if own := own_text(node):
            targets.append(own)
        for noun in node.elements():
            if noun.tag in NOUN_PREFIXES:
                targets.append(NOUN_PREFIXES[noun.tag] + noun.text)
                if noun.tag in ("Conference", "Queue"):
                    self._note(f"<{noun.tag}> in <Dial> is simulated as a call to one party")
        if not targets:
            self._note(f"<Dial> with nothing to dial (line {node.line}); skipped")
            return CONTINUE
        timeout = int_attr(node, "timeout", 30, minimum=1)
        time_limit = int_attr(node, "timeLimit", 14400, minimum=1)
        assert timeout is not None and time_limit is not None
        caller_id = node.attrs.get("callerId", self.parties.from_)
        action = resolve(self.document_url, node.attrs["action"]) if node.attrs.get("action") else None
        method = method_attr(node)
        self._event("dial", targets=targets, timeout=timeout, callerId=caller_id, action=action, line=node.line)
        act = yield Waiting(
            "dial", {"targets": targets, "timeout": timeout, "action": action, "method": method, "line": node.line}
        )
        self._log_input(act)
        if isinstance(act, HangUp):
            if action is not None:
                self._note("the caller hung up while the dialled party rang: the dial is canceled")
                params = {"DialCallStatus": "canceled", "DialCallDuration": "0", "DialCallSid": self.sids.make("CA")}
                self._final_request(Fetch(action, method, params), "dial-action")
            raise CallOver("caller hung up")
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
