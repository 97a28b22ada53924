"""Fetching a document: the webhook request and what Twilio does with the reply.

Response MIME types (https://www.twilio.com/docs/voice/twiml/your-response): XML/HTML is
TwiML, ``audio/*`` is played then the call hangs up, ``text/plain`` is read out then the call
hangs up.  Errors (https://www.twilio.com/docs/api/errors/11200, /12100): a failed fetch
(non-2xx, unreachable) is 11200, an unparsable document 12100; with no fallback URL Twilio
tells the caller an application error has occurred and hangs up.
"""

from __future__ import annotations

import math
from typing import NoReturn

from ivr.simulator.call_core import CallOver, EngineCore, Fetch
from ivr.simulator.timing import speech_seconds
from ivr.simulator.transport import HttpResponse, TransportError
from ivr.simulator.twiml_schema import Node, Problem, parse_twiml

#: What Twilio tells the caller when it cannot fetch or parse the app's TwiML.
APPLICATION_ERROR_MESSAGE = "We are sorry, an application error has occurred. Goodbye."


class Fetching(EngineCore):
    """Webhook requests out, documents (or an application error) in."""

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
            raise CallOver("request loop (simulator guard)")
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
        raise CallOver("application error")

    def _send_status_callback(self, status: str, duration: float) -> None:
        if not self.status_callback:
            return
        params = {**self.parties.params(status), "CallDuration": str(math.ceil(duration))}
        response = self._request(Fetch(self.status_callback, self.status_callback_method), params, "status-callback")
        if response is None or not response.ok:
            self._note("the status callback failed; Twilio ignores its response but logs the failure")
