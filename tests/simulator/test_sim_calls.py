"""Calls through the simulator behave the way Twilio documents each verb."""

from __future__ import annotations

import re

import pytest
from sim_app import TOKEN

from ivr.simulator import CallProblem, CallStateError, Limits, Simulator


def sim(app, path: str = "/voice/incoming", **kwargs) -> Simulator:
    return Simulator(app, auth_token=TOKEN, entry_path=path, seed=7, **kwargs)


# -- the first request ---------------------------------------------------------------------


def test_first_request_carries_twilios_standard_voice_parameters(app):
    call = sim(app, from_="+8613812345678", to="+8657100000000").call()
    first = call.requests[0]
    params = first["params"]
    assert first["method"] == "POST"
    assert first["url"] == "http://localhost/voice/incoming"
    assert re.fullmatch(r"CA[0-9a-f]{32}", params["CallSid"])
    assert re.fullmatch(r"AC[0-9a-f]{32}", params["AccountSid"])
    assert params["From"] == params["Caller"] == "+8613812345678"
    assert params["To"] == params["Called"] == "+8657100000000"
    assert params["CallStatus"] == "ringing"
    assert params["Direction"] == "inbound"
    assert params["ApiVersion"] == "2010-04-01"
    assert params["FromCountry"] == "CN" and params["ToCountry"] == "CN"


def test_later_requests_say_in_progress_and_keep_the_same_call_sid(app):
    call = sim(app).call().press("1")
    first, second = call.requests[0]["params"], call.requests[1]["params"]
    assert second["CallStatus"] == "in-progress"
    assert second["CallSid"] == first["CallSid"]
    assert second["Digits"] == "1"


# -- Say / Play / Pause ----------------------------------------------------------------------


def test_heard_holds_the_prompts_since_the_last_input_with_language(app):
    call = sim(app).call()
    assert "退款请按1" in call.heard
    assert call.languages == ["cmn-CN"]
    assert call.waiting_for == "gather"
    call.press("1")
    assert "退款请按1" not in call.heard
    assert "正在为您转接退款专线" in call.heard


def test_say_play_pause_defaults_and_relative_play_urls(app):
    call = sim(app, "/voice/prompts").call()
    says = call.transcript.of_kind("say")
    assert [(e.data["text"], e.data["loop"], e.data["voice"], e.data["language"]) for e in says] == [
        ("Hello", 2, "man", "en-US"),  # Twilio's defaults: voice man, language en-US
        ("你好", 1, "Polly.Zhiyu", "cmn-CN"),
    ]
    assert call.played == ["http://localhost/audio/tone.wav"]
    assert call.transcript.of_kind("play")[0].data["loop"] == 2
    assert [e.data["length"] for e in call.transcript.of_kind("pause")] == [2, 1]  # default length 1
    assert call.ended and call.end_reason == "end of document"


# -- Gather ----------------------------------------------------------------------------------


def test_gather_with_no_input_falls_through_to_the_next_verb(app):
    call = sim(app).call().silence()
    assert "我们没有收到您的输入" in call.heard
    assert call.ended and call.end_reason == "end of document"
    assert len(call.requests) == 1  # no action request on an empty result


def test_gather_action_on_empty_result_posts_without_input(app):
    call = sim(app, "/voice/empty-result").call().silence()
    assert call.requests[-1]["url"] == "http://localhost/voice/echo"
    assert "Digits=<none>" in call.heard
    assert "unreachable" not in call.transcript.render()


def test_gather_action_defaults_to_the_current_document_url(app):
    call = sim(app, "/voice/default-action").call().press("4").press("2")
    assert call.requests[-1]["url"] == "http://localhost/voice/default-action"
    assert call.requests[-1]["method"] == "POST"
    assert "Digits=42" in call.heard


def test_num_digits_submits_as_soon_as_enough_keys_are_pressed(app):
    call = sim(app, "/voice/default-action").call().press("4")
    assert call.waiting_for == "gather" and len(call.requests) == 1
    call.press("2")
    assert len(call.requests) == 2


def test_finish_on_key_submits_the_digits_without_the_key(app):
    call = sim(app, "/voice/finish").call().press("123*")
    assert "Digits=123" in call.heard


def test_finish_on_key_defaults_to_pound_and_digits_are_unlimited(app):
    call = sim(app, "/voice/account").call().press("123456789")
    assert call.waiting_for == "gather"  # numDigits is unlimited by default
    call.press("#")
    assert "Digits=123456789" in call.heard


def test_finish_on_key_alone_does_not_end_the_gather(app):
    call = sim(app, "/voice/finish").call().press("*")
    assert call.waiting_for == "gather" and len(call.requests) == 1


def test_timeout_after_some_digits_submits_them(app):
    call = sim(app, "/voice/finish").call().press("12").silence()
    assert "Digits=12" in call.heard


def test_speech_posts_speech_result_and_confidence(app):
    call = sim(app, "/voice/speech").call()
    assert call.languages == ["cmn-CN"]
    call.say("我要退款", confidence=0.87)
    assert "SpeechResult=我要退款 Confidence=0.87" in call.heard


def test_keys_are_ignored_by_a_speech_only_gather(app):
    call = sim(app, "/voice/speech").call().press("1")
    assert call.waiting_for == "gather" and len(call.requests) == 1
    assert "listens for speech only" in call.transcript.render()


def test_speech_reaches_the_menu_when_input_allows_it(app):
    call = sim(app).call().say("退款", confidence=0.9)
    assert call.dialed == "+8657195188"
    assert call.waiting_for == "dial"


def test_barge_in_cuts_the_nested_prompt_short(app):
    call = sim(app, "/voice/speech").call().say("退款", barge_in=True)
    first, second = call.transcript.of_kind("say")[:2]
    assert first.data.get("interrupted") is True
    assert second.data.get("skipped") is True


def test_a_barge_in_during_a_later_prompt_leaves_the_earlier_ones_heard(app):
    call = sim(app, "/voice/speech").call()
    assert call.state.details["prompts"] == 2  # the wait says how many nested prompts precede it
    call.say("退款", barge_in=True, during=1)
    first, second = call.transcript.of_kind("say")[:2]
    assert "interrupted" not in first.data and "skipped" not in first.data
    assert second.data.get("interrupted") is True
    assert "请说出您的问题。" in call.transcript.render()


# -- Redirect ---------------------------------------------------------------------------------


def test_relative_redirect_resolves_against_the_current_document(app):
    call = sim(app).call().press("9")
    assert call.requests[-1]["url"] == "http://localhost/voice/incoming"
    assert "退款请按1" in call.heard


def test_relative_redirect_uses_the_url_of_the_document_it_is_in(app):
    call = sim(app).call().press("8")
    assert [r["url"] for r in call.requests[-2:]] == [
        "http://localhost/voice/deep/start",
        "http://localhost/voice/deep/next",
    ]
    assert call.heard == "deep next"


def test_redirect_with_get_sends_the_parameters_in_the_query_string(app):
    call = sim(app, "/voice/get-redirect").call()
    last = call.requests[-1]
    assert last["method"] == "GET"
    assert "GET from=+8613800000000 status=in-progress" in call.heard


def test_a_redirect_loop_ends_the_call_with_a_clear_report(app):
    call = sim(app, "/voice/loop", strict=False, limits=Limits(max_requests_without_input=5)).call()
    assert call.ended and "loop" in call.end_reason
    assert call.problems[-1]["code"] == "simulator:loop"
    assert "Redirect" in call.problems[-1]["message"]
    assert len(call.requests) == 5


# -- Dial -------------------------------------------------------------------------------------


def test_dial_with_action_posts_the_outcome(app):
    call = sim(app).call().press("1")
    assert call.dialed == "+8657195188" and call.waiting_for == "dial"
    call.dial_outcome("busy")
    assert call.requests[-1]["url"] == "http://localhost/voice/dial-done"
    assert "DialCallStatus=busy DialCallDuration=0 DialCallSid=CA" in call.heard
    assert call.ended and call.end_reason == "<Hangup>"


def test_answered_dial_reports_completed_with_its_duration(app):
    call = sim(app).call().press("1").dial_outcome("answered", duration=42)
    assert "DialCallStatus=completed DialCallDuration=42" in call.heard


def test_dial_without_action_continues_with_the_next_verb(app):
    call = sim(app).call().press("2").dial_outcome("no-answer")
    assert "The agent call has ended" in call.heard
    assert len(call.requests) == 2  # no request for the dial outcome


def test_dial_number_noun_and_caller_id(app):
    call = sim(app, "/voice/dial-plain").call()
    dial = call.transcript.of_kind("dial")[0].data
    assert call.dialed == "+8613900000000"
    assert dial["callerId"] == "+8657100000000" and dial["timeout"] == 15


def test_dial_timeout_defaults_to_30_seconds_and_caller_id_to_the_caller(app):
    call = sim(app).call().press("2")
    dial = call.transcript.of_kind("dial")[0].data
    assert dial["timeout"] == 30 and dial["callerId"] == "+8613800000000"


# -- Record -----------------------------------------------------------------------------------


def test_record_posts_a_simulated_recording(app):
    call = sim(app).call().press("3")
    assert call.waiting_for == "record"
    assert call.transcript.of_kind("beep")  # playBeep defaults to true
    call.leave_message("我的订单有问题，请回电。", finish_key="#")
    heard = call.heard
    assert re.search(r"RecordingDuration=\d+ Digits=# RecordingSid=RE", heard)
    assert "RecordingUrl=https://api.twilio.com/" in heard


def test_a_measured_message_length_is_the_recording_duration(app):
    call = sim(app).call().press("3")
    call.say("(from a microphone)", seconds=12.4).press("#")
    assert "RecordingDuration=13 Digits=#" in call.heard  # ceil of the seconds spoken, not a text estimate


def test_an_empty_recording_continues_with_the_next_verb(app):
    call = sim(app).call().press("3").silence()
    assert "没有录到留言" in call.heard
    assert len(call.requests) == 2


# -- ending -----------------------------------------------------------------------------------


def test_hangup_verb_ends_the_call_and_later_verbs_are_never_heard(app):
    call = sim(app).call().press("0")
    assert call.ended and call.end_reason == "<Hangup>"
    assert "never" not in call.transcript.render()


def test_reject_busy_ends_the_call_busy(app):
    call = sim(app, "/voice/reject").call()
    assert call.ended and call.state.status == "busy"


def test_status_callback_gets_completed_and_the_duration(app):
    call = sim(app, status_callback="/voice/status").call().press("0")
    assert call.ended
    (posted,) = app.config["STATUS_CALLBACKS"]
    assert posted["CallStatus"] == "completed"
    assert int(posted["CallDuration"]) >= 1
    assert posted["CallSid"] == call.requests[0]["params"]["CallSid"]


def test_the_caller_can_hang_up_while_waiting(app):
    call = sim(app).call().hangup()
    assert call.ended and call.end_reason == "caller hung up"


def test_acting_after_the_call_ended_fails_with_the_transcript(app):
    call = sim(app).call().press("0")
    with pytest.raises(CallStateError) as info:
        call.press("1")
    assert "the call has ended" in str(info.value)
    assert "--- call transcript ---" in str(info.value) and "再见" in str(info.value)


def test_the_wrong_action_for_the_waiting_verb_is_refused(app):
    call = sim(app).call()
    with pytest.raises(CallStateError, match="waiting for a gather"):
        call.dial_outcome("busy")
    assert call.waiting_for == "gather"  # the refused action did not disturb the call


def test_simulated_call_length_is_guarded(app):
    call = sim(app, strict=False, limits=Limits(max_call_seconds=20)).call().press("2")
    call.dial_outcome("completed", duration=600)
    assert call.ended and "length" in call.end_reason


# -- errors, like Twilio reports them ----------------------------------------------------------


def test_malformed_xml_is_a_12100_with_its_line_and_the_caller_hears_the_application_error(app):
    call = sim(app, "/voice/broken", strict=False).call()
    (problem,) = call.problems
    assert problem["code"] == 12100 and problem["line"] == 4
    assert "an application error has occurred" in call.heard
    assert call.ended and not call.state.clean


def test_a_misspelled_attribute_is_a_12200_warning_with_its_line(app):
    call = sim(app, "/voice/typo", strict=False).call()
    (problem,) = call.problems
    assert problem["code"] == 12200 and problem["line"] == 3
    assert "numdigits" in problem["message"] and "numDigits" in problem["message"]
    # Twilio ignores the unknown attribute: numDigits is unlimited, so one key does not submit.
    call.press("1")
    assert call.waiting_for == "gather"


def test_strict_simulator_raises_on_twiml_problems_with_the_transcript(app):
    with pytest.raises(CallProblem) as info:
        sim(app, "/voice/typo").call()
    message = str(info.value)
    assert "12200" in message and "line 3" in message and "--- call transcript ---" in message


def test_http_500_is_an_11217_and_the_call_ends_with_the_application_error(app):
    call = sim(app, "/voice/crash", strict=False).call()
    assert call.problems[0]["code"] == 11217
    assert "HTTP 500" in call.problems[0]["message"]
    assert "an application error has occurred" in call.heard
    assert call.ended and call.end_reason == "application error"


def test_text_plain_responses_are_read_out_then_the_call_hangs_up(app):
    call = sim(app, "/voice/plain-text").call()
    assert call.heard == "This line is read out."
    assert call.ended


def test_unsupported_verbs_are_reported_clearly(app):
    call = sim(app, "/voice/enqueue", strict=False).call()
    assert "please hold" in call.heard
    assert call.problems[-1]["code"] == "simulator:unsupported"
    assert "<Enqueue>" in call.problems[-1]["message"]
    assert call.ended


def test_expect_heard_fails_with_the_transcript(app):
    call = sim(app).call()
    call.expect_heard("退款").expect_waiting("gather")
    with pytest.raises(AssertionError) as info:
        call.expect_heard("余额查询")
    assert "--- call transcript ---" in str(info.value)
    assert "欢迎致电示例钱包" in str(info.value)


def test_transcript_is_json_serialisable(app):
    call = sim(app).call().press("1").dial_outcome("completed", duration=5)
    data = call.transcript.to_dict()
    kinds = [e["kind"] for e in data["events"]]
    assert kinds[0] == "request" and "say" in kinds and "dial" in kinds and kinds[-1] == "end"
    assert "正在为您转接" in call.transcript.to_json()
