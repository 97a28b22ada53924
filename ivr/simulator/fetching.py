"""Fetching a document: the webhook request and what Twilio does with the reply.

Response MIME types (https://www.twilio.com/docs/voice/twiml/your-response): XML/HTML is
TwiML, ``audio/*`` is played then the call hangs up, ``text/plain`` is read out then the call
hangs up; any other Content-Type is 12300.  What fails a fetch, each with Twilio's code (pages
and limits in ``data/twilio_errors.json``): the request cannot be made (11205 HTTP connection
failure), no answer within 15 seconds in total (11205), a 4xx/5xx answer (11217), a body over
64 kB (11750), an unknown Content-Type (12300), a document that is not TwiML (12100).

On any of those, Twilio requests the number's Voice **fallback URL** if one is configured ("if
Twilio is unable to retrieve or execute TwiML from your web server"), adding ``ErrorCode`` and
``ErrorUrl`` to the usual parameters
(https://www.twilio.com/docs/usage/security/availability-reliability); if there is none, or the
fallback fails too, it tells the caller an application error has occurred and hangs up.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NoReturn

from ivr.simulator.call_core import CallOver, EngineCore, Fetch
from ivr.simulator.timing import speech_seconds
from ivr.simulator.transport import HttpResponse, TransportError
from ivr.simulator.twilio_tables import limit
from ivr.simulator.twiml_schema import parse_twiml
from ivr.simulator.twiml_tree import Node, ParsedTwiML, Problem

#: What Twilio tells the caller when it cannot fetch or parse the app's TwiML.
APPLICATION_ERROR_MESSAGE = "We are sorry, an application error has occurred. Goodbye."

TWIML_TYPES = frozenset(["text/xml", "application/xml", "text/html"])


@lru_cache(maxsize=4096)
def _parsed(body: bytes) -> ParsedTwiML:
    """``parse_twiml`` once per distinct body.

    Parsing and validating is a function of the bytes alone, and nothing downstream changes the
    tree or the list of problems (the engine only reads them; a problem is copied into the call's
    record), so the same body gives the same result to every call that fetches it. A walk of every
    path meets the same document many times: every wrong key at a menu brings the same reprompt
    (on the shipped menu 1,322 distinct bodies in 3,423 responses).
    """
    return parse_twiml(body)


class FetchFailed(Exception):
    """A fetch Twilio counts as failed: its code and the message Twilio would log."""

    def __init__(self, code: int, message: str | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Fetching(EngineCore):
    """Webhook requests out, documents (or the fallback URL, or an application error) in."""

    _last_response_seconds = 0.0

    def _request(self, fetch: Fetch, params: dict[str, str], role: str) -> HttpResponse | None:
        started = self.clock()
        try:
            response = self.transport.request(fetch.method, fetch.url, params)
        except TransportError as exc:
            self._event(
                "request", role=role, method=fetch.method, url=fetch.url, params=params, status=None, failure=str(exc)
            )
            return None
        self._last_response_seconds = self.clock() - started  # not in the transcript: replays stay identical
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
        try:
            return self._fetch_document(fetch)
        except FetchFailed as failed:
            if failed.message is not None:
                self._problem(failed.code, "error", failed.message)
            code = failed.code
        if not self.fallback_url:
            self._application_error()
        self._note(f"error {code}: Twilio requests the Voice fallback URL {self.fallback_url}")
        fallback = Fetch(
            self.fallback_url,
            self.fallback_method,
            {**fetch.params, "ErrorCode": str(code), "ErrorUrl": self.document_url},
        )
        try:
            return self._fetch_document(fallback)
        except FetchFailed as again:
            if again.message is not None:
                self._problem(again.code, "error", f"the fallback URL failed too: {again.message}")
            self._application_error()

    def _fetch_document(self, fetch: Fetch) -> Node:
        """Request ``fetch`` and return its TwiML tree, or raise :class:`FetchFailed` as Twilio would."""
        params = {**self.parties.params(self._call_status), **fetch.params}
        response = self._request(fetch, params, "webhook")
        self._call_status = "in-progress"
        if response is None:
            self.document_url = fetch.url
            raise FetchFailed(11205, f"HTTP connection failure: {self.transcript.events[-1].data['failure']}")
        self.document_url = response.url
        seconds = round(self._last_response_seconds, 1)
        if seconds > limit("max_response_seconds"):
            raise FetchFailed(
                11205,
                f"HTTP connection failure: {fetch.method} {response.url} took {seconds:g} s; "
                f"Twilio waits {limit('max_response_seconds')} s in total for a response",
            )
        if not response.ok:
            raise FetchFailed(
                11217, f"HTTP error response code: {fetch.method} {response.url} returned HTTP {response.status}"
            )
        if len(response.body) > limit("max_response_bytes"):
            raise FetchFailed(
                11750,
                f"TwiML response body too large: {len(response.body)} bytes from {response.url}; "
                f"Twilio accepts at most {limit('max_response_bytes') // 1024} kB",
            )
        content_type = response.content_type
        if content_type.startswith("audio/"):
            self._note(f"the response is {content_type}: Twilio plays it, then hangs up")
            return Node("Response", {}, 0, 0, [Node("Play", {}, 0, 0, [response.url]), Node("Hangup", {}, 0, 0)])
        if content_type == "text/plain":
            self._note("the response is text/plain: Twilio reads it out, then hangs up")
            text = response.body.decode("utf-8", "replace")
            return Node("Response", {}, 0, 0, [Node("Say", {}, 0, 0, [text]), Node("Hangup", {}, 0, 0)])
        if content_type not in TWIML_TYPES:
            raise FetchFailed(
                12300,
                f"Invalid Content-Type: {content_type or '(none)'} from {response.url}; Twilio runs TwiML only "
                "from text/xml, application/xml or text/html (audio/* is played, text/plain read out)",
            )
        parsed = _parsed(response.body)
        for problem in parsed.problems:
            self._report(problem)
        if parsed.root is None:
            raise FetchFailed(12100, None)  # already reported, with its line
        return parsed.root

    def _report(self, problem: Problem) -> None:
        self._problem(problem.code, problem.severity, problem.message, line=problem.line)

    def _application_error(self) -> NoReturn:
        self._event("say", text=APPLICATION_ERROR_MESSAGE, language="en-US", voice="man", loop=1, source="twilio")
        self._answered = True
        self._advance_time(speech_seconds(APPLICATION_ERROR_MESSAGE))
        raise CallOver("application error")

    def _final_request(self, fetch: Fetch, role: str) -> None:
        """A request Twilio makes after the caller hung up (an action URL): its TwiML is never run."""
        params = {**self.parties.params("completed"), **fetch.params}
        response = self._request(fetch, params, role)
        if response is None or not response.ok:
            self._note(f"the {role} request failed; the caller has hung up, so nobody hears the difference")

    def _send_status_callback(self, status: str, duration: float) -> None:
        if not self.status_callback:
            return
        params = {**self.parties.params(status), "CallDuration": str(math.ceil(duration))}
        response = self._request(Fetch(self.status_callback, self.status_callback_method), params, "status-callback")
        if response is None or not response.ok:
            self._note("the status callback failed; Twilio ignores its response but logs the failure")
