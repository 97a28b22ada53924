"""Forking a call where it waits: each copy behaves exactly like a replay of the same inputs."""

from __future__ import annotations

import pytest
from sim_app import documents_app

from ivr.simulator import CallStateError, Simulator

MENU = (
    '<Response><Say>intro</Say><Gather numDigits="1" action="/menu"><Say>press one or two</Say></Gather>'
    "<Redirect>/voice</Redirect></Response>"
)
DOCS = {
    "/voice": MENU,
    "/menu": "<Response><Say>ringing</Say><Dial action='/dialed'>+8657195188</Dial></Response>",
    "/dialed": '<Response><Gather action="/after"><Say>again?</Say></Gather><Say>bye</Say><Hangup/></Response>',
    "/after": "<Response><Say>done</Say><Hangup/></Response>",
}


def sim() -> Simulator:
    return Simulator(documents_app(DOCS), entry_path="/voice", strict=False, seed=3)


def test_a_fork_continues_exactly_like_a_replay_of_the_same_inputs():
    waiting = sim().call().press("1")
    forked = waiting.fork().dial_outcome("busy").press("4").press("#")
    replayed = sim().call().press("1").dial_outcome("busy").press("4").press("#")
    assert forked.transcript.to_dict() == replayed.transcript.to_dict()
    assert forked.state == replayed.state


def test_forking_makes_no_request_and_each_copy_goes_its_own_way():
    call = sim().call()
    requests = len(call.requests)
    one, two = call.fork(), call.fork()
    assert len(one.requests) == len(two.requests) == requests
    assert one.heard == call.heard  # the waiting verb's prompts are heard again in the copy
    one.press("1", barge_in=True)
    two.silence()
    assert one.waiting_for == "dial" and two.waiting_for == "gather"
    assert call.waiting_for == "gather" and not any(e.data.get("interrupted") for e in call.transcript)
    call.press("2")  # the original is still usable
    assert call.waiting_for == "dial"


def test_a_fork_at_a_dial_shares_the_call_and_keeps_its_sids():
    call = sim().call().press("1")
    copy = call.fork()
    assert copy.waiting_for == "dial" and copy.transcript.call_sid == call.transcript.call_sid
    copy.dial_outcome("completed")
    call.dial_outcome("completed")
    assert copy.requests[-1]["params"]["DialCallSid"] == call.requests[-1]["params"]["DialCallSid"]


def test_only_an_untouched_wait_can_be_forked():
    call = sim().call().press("1").dial_outcome("no-answer").press("4")  # half-typed: no numDigits
    with pytest.raises(CallStateError, match="forked"):
        call.fork()
    call.press("#")
    with pytest.raises(CallStateError, match="forked"):
        call.fork()  # the call is over
