"""What Twilio does with the app's reply, each failure with its own code, and the Voice fallback URL.

Twilio's pages (data/twilio_errors.json): 11205 (no response within 15 s, or no connection),
11217 (4xx/5xx), 11750 (body over 64 kB), 12300 (a Content-Type it cannot run).  With a fallback
URL configured Twilio requests it with ``ErrorCode`` and ``ErrorUrl``; without one the caller
hears the application-error message.  Also: a caller hanging up during ``<Record>`` or
``<Dial>`` still gets the action requested.
"""

from __future__ import annotations

import pytest
from flask import Flask, Response
from sim_app import documents_app

from ivr.simulator import Simulator

MENU = "<Response><Say>hello</Say><Hangup/></Response>"
APOLOGY = "<Response><Say>Sorry, we are having trouble. Goodbye.</Say><Hangup/></Response>"


def call(documents: dict, **kwargs):
    return Simulator(documents_app(documents), entry_path="/voice", strict=False, seed=1, **kwargs).call()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(("{}", "application/json"), 12300, id="12300-json"),
        pytest.param(("<Response/>", "image/png"), 12300, id="12300-image"),
        pytest.param("<Response><Say>" + "x" * 70_000 + "</Say></Response>", 11750, id="11750-over-64kB"),
    ],
)
def test_a_reply_twilio_cannot_run_has_its_own_code_and_the_caller_hears_the_application_error(body, code):
    c = call({"/voice": body})
    assert [p["code"] for p in c.problems] == [code]
    assert "an application error has occurred" in c.heard
    assert c.ended and c.end_reason == "application error"


def test_a_missing_page_is_11217_not_a_generic_11200():
    c = call({})
    assert [p["code"] for p in c.problems] == [11217]
    assert "HTTP 404" in c.problems[0]["message"]


class FakeClock:
    """Wall-clock seconds that the app under test moves forward (no sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_reply_after_more_than_15_seconds_is_11205():
    clock = FakeClock()
    app = Flask("slow")

    @app.post("/voice")
    def slow() -> Response:
        clock.now += 15.5  # the app took 15.5 s to answer
        return Response(MENU, mimetype="text/xml")

    c = Simulator(app, entry_path="/voice", strict=False, clock=clock).call()
    assert [p["code"] for p in c.problems] == [11205]
    assert "15.5 s" in c.problems[0]["message"]
    assert "an application error has occurred" in c.heard


def test_a_reply_within_15_seconds_is_fine():
    clock = FakeClock()
    app = Flask("steady")

    @app.post("/voice")
    def steady() -> Response:
        clock.now += 14.9
        return Response(MENU, mimetype="text/xml")

    c = Simulator(app, entry_path="/voice", strict=False, clock=clock).call()
    assert c.problems == [] and c.heard == "hello"


def test_on_a_failed_fetch_twilio_requests_the_fallback_url_with_the_error():
    c = call({"/voice": ("oops", "application/json"), "/fallback": APOLOGY}, fallback_url="/fallback")
    assert [p["code"] for p in c.problems] == [12300]
    fallback = c.requests[-1]
    assert fallback["url"] == "http://localhost/fallback"
    assert fallback["params"]["ErrorCode"] == "12300" and fallback["params"]["ErrorUrl"] == "http://localhost/voice"
    assert c.heard == "Sorry, we are having trouble. Goodbye."


def test_an_action_url_that_fails_also_falls_back():
    docs = {"/voice": '<Response><Gather numDigits="1" action="/missing"/></Response>', "/fallback": APOLOGY}
    c = call(docs, fallback_url="/fallback").press("1")
    assert [p["code"] for p in c.problems] == [11217]
    assert c.requests[-1]["params"]["Digits"] == "1"  # the fallback gets the same parameters, plus the error
    assert c.heard == "Sorry, we are having trouble. Goodbye."


def test_when_the_fallback_fails_too_the_caller_hears_the_application_error():
    c = call({"/voice": ("oops", "application/json")}, fallback_url="/fallback")
    assert [p["code"] for p in c.problems] == [12300, 11217]
    assert "fallback URL failed too" in c.problems[1]["message"]
    assert "an application error has occurred" in c.heard


def test_a_good_reply_never_touches_the_fallback_url():
    c = call({"/voice": MENU, "/fallback": APOLOGY}, fallback_url="/fallback")
    assert [r["url"] for r in c.requests] == ["http://localhost/voice"]


RECORD = '<Response><Record action="/recorded" finishOnKey="#"/><Say>never</Say></Response>'


def test_hanging_up_during_record_still_posts_the_recording_with_digits_hangup():
    c = call({"/voice": RECORD, "/recorded": MENU}).say("please call me back").hangup()
    action = c.requests[-1]
    assert action["url"] == "http://localhost/recorded"
    assert action["params"]["Digits"] == "hangup" and action["params"]["RecordingDuration"] != "0"
    assert action["params"]["CallStatus"] == "completed"
    assert c.ended and "hello" not in c.transcript.render()  # the reply to the action is never run


def test_hanging_up_during_an_empty_record_requests_nothing():
    c = call({"/voice": RECORD, "/recorded": MENU}).hangup()
    assert [r["url"] for r in c.requests] == ["http://localhost/voice"]


def test_hanging_up_during_a_dial_posts_the_outcome_to_the_action():
    docs = {
        "/voice": '<Response><Dial action="/dialed"><Number>+15005550006</Number></Dial></Response>',
        "/dialed": MENU,
    }
    c = call(docs).hangup()
    action = c.requests[-1]
    assert action["url"] == "http://localhost/dialed"
    assert action["params"]["DialCallStatus"] == "canceled" and action["params"]["DialCallDuration"] == "0"
    assert c.ended and c.problems == []
