"""Verbs that pass control without the caller: ``<Redirect>``, ``<Hangup>``, ``<Reject>``; and verbs skipped.

Defaults (Twilio's TwiML reference): ``<Redirect>`` method POST, relative URLs resolve against
the current document URL; ``<Reject>`` reason ``rejected`` (call ends ``no-answer``) or
``busy`` (ends ``busy``).
"""

from __future__ import annotations

from ivr.simulator.attributes import method_attr, resolve
from ivr.simulator.call_core import CONTINUE, CallOver, Continue, EngineCore, Fetch
from ivr.simulator.twiml_schema import Node

#: Verbs Twilio runs that the simulator cannot emulate; the call ends with a clear report.
UNSUPPORTED_VERBS = frozenset(["Enqueue", "Leave", "Connect", "Pay", "Refer", "Echo", "Sms", "Queue", "Prompt"])
#: Verbs that start or stop background work on Twilio; the simulator notes and skips them.
BACKGROUND_VERBS = frozenset(["Start", "Stop"])


class ControlVerbs(EngineCore):
    """Redirect, Hangup, Reject, and what to do with a verb there is no visitor for."""

    def _skip(self, node: Node) -> Continue:
        if node.tag in UNSUPPORTED_VERBS:
            self._problem(
                "simulator:unsupported",
                "error",
                f"<{node.tag}> is valid TwiML but the simulator cannot emulate it; the simulated call ends here",
                line=node.line,
            )
            raise CallOver(f"<{node.tag}> not supported by the simulator")
        if node.tag in BACKGROUND_VERBS:
            self._note(f"<{node.tag}> (line {node.line}) starts/stops background media on Twilio; not simulated")
        else:
            self._note(f"skipped <{node.tag}> (line {node.line}): not a verb Twilio can run here")
        return CONTINUE

    def visit_Redirect(self, node: Node) -> Fetch | Continue:
        """Fetch the URL in the body (relative to the current document) with ``method``."""
        url = node.text
        if not url:
            self._note(f"<Redirect> without a URL (line {node.line}); skipped")
            return CONTINUE
        return Fetch(resolve(self.document_url, url), method_attr(node))

    def visit_Hangup(self, node: Node) -> Continue:
        """End the call."""
        raise CallOver("<Hangup>")

    def visit_Reject(self, node: Node) -> Continue:
        """Refuse an unanswered call: ``busy`` ends it busy, ``rejected`` ends it no-answer."""
        reason = node.attrs.get("reason", "rejected")
        if reason not in ("rejected", "busy"):
            reason = "rejected"
        if self._answered:
            self._note("<Reject> after the call was answered (Twilio documents it only as the first verb); hanging up")
            raise CallOver("<Reject> after answer")
        raise CallOver(f"rejected ({reason})", "busy" if reason == "busy" else "no-answer")
