"""Edge cases of Twilio's documented behaviour, each driven by a fixed TwiML document."""

from __future__ import annotations

from sim_app import documents_app, tone_wav

from ivr.simulator import Simulator


def call(documents: dict, entry: str = "/voice", **kwargs):
    return Simulator(documents_app(documents), entry_path=entry, strict=False, seed=1, **kwargs).call()


def test_an_endless_say_loop_ends_with_the_caller_hanging_up():
    c = call({"/voice": '<Response><Say loop="0">please hold</Say><Say>never</Say></Response>'})
    assert c.ended and "endless" in c.end_reason
    assert c.problems == []  # legal TwiML, just a call nobody can finish


def test_an_audio_response_is_played_then_the_call_hangs_up():
    c = call({"/voice": (tone_wav(0.2), "audio/wav")})
    assert c.played == ["http://localhost/voice"]
    assert c.ended and c.end_reason == "<Hangup>"


def test_reject_after_the_call_was_answered_hangs_up():
    c = call({"/voice": "<Response><Say>hello</Say><Reject/></Response>"})
    assert c.ended and c.state.status == "completed"
    assert "<Reject> after" in c.end_reason


def test_reject_default_reason_ends_no_answer():
    c = call({"/voice": "<Response><Reject/></Response>"})
    assert c.state.status == "no-answer" and c.state.duration == 0


def test_dial_without_action_and_nothing_after_it_ends_the_call():
    c = call({"/voice": "<Response><Dial>+8657195188</Dial></Response>"}).dial_outcome("no-answer")
    assert c.ended and c.end_reason == "end of document"
    assert len(c.requests) == 1


def test_record_stops_at_max_length_and_posts():
    doc = '<Response><Record maxLength="2" action="/done" playBeep="false"/></Response>'
    c = call({"/voice": doc, "/done": "<Response><Say>saved</Say></Response>"})
    assert not c.transcript.of_kind("beep")
    c.say("a long long message that goes on and on and on for many seconds")
    assert c.heard == "saved"
    assert c.requests[-1]["params"]["RecordingDuration"] == "2"


def test_a_key_outside_finish_on_key_does_not_end_the_recording():
    doc = '<Response><Record finishOnKey="#" action="/done"/></Response>'
    c = call({"/voice": doc, "/done": "<Response/>"}).say("hello there").press("5")
    assert c.waiting_for == "record"
    c.press("#")
    assert c.requests[-1]["params"]["Digits"] == "#"


def test_barge_in_false_keeps_the_prompt_playing():
    doc = (
        '<Response><Gather bargeIn="false" input="speech" action="/done">'
        "<Say>one</Say><Say>two</Say></Gather></Response>"
    )
    c = call({"/voice": doc, "/done": "<Response/>"}).say("hi", barge_in=True)
    says = c.transcript.of_kind("say")
    assert not any(e.data.get("interrupted") or e.data.get("skipped") for e in says)


def test_unknown_elements_are_reported_and_skipped():
    c = call({"/voice": "<Response>\n<Sya>typo</Sya>\n<Say>after</Say>\n</Response>"})
    assert [(p["code"], p["line"]) for p in c.problems] == [(12200, 2)]
    assert c.heard == "after"


def test_gather_method_get_sends_digits_in_the_query_string():
    doc = '<Response><Gather numDigits="1" method="GET" action="/next"/></Response>'
    c = call({"/voice": doc, "/next": "<Response><Hangup/></Response>"}).press("7")
    last = c.requests[-1]
    assert last["method"] == "GET" and last["params"]["Digits"] == "7"


def test_identical_inputs_and_seed_replay_identically():
    """What a breadth-first path explorer relies on: a call is a pure function of its inputs."""
    doc = '<Response><Gather numDigits="1" action="/next"><Say>press</Say></Gather></Response>'
    docs = {"/voice": doc, "/next": "<Response><Dial action='/end'>1</Dial></Response>", "/end": "<Response/>"}
    first = call(docs).press("1").dial_outcome("busy").transcript.to_dict()
    second = call(docs).press("1").dial_outcome("busy").transcript.to_dict()
    assert first == second


def test_chinese_said_to_an_english_gather_is_a_warning_and_mandarin_to_mandarin_is_not():
    docs = {
        "/voice": '<Response><Gather input="speech" action="/voice"/></Response>',
        "/zh": '<Response><Gather input="speech" language="cmn-Hans-CN" action="/zh"/></Response>',
    }
    english = call(docs).say("退款")
    assert [(p["code"], p["severity"]) for p in english.problems] == [("simulator:speech-language", "warning")]
    assert "does not return Chinese characters" in english.problems[0]["message"]
    assert call(docs, entry="/zh").say("退款").problems == []
