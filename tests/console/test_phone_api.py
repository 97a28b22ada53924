"""The phone page's server side over the Flask test client and real HTTP: who may call, what the page is
told (and never told), problems Twilio would report, sound, and the calls' bounds and idle reaper."""

from __future__ import annotations

import io
import re

import pytest
import soundfile
from console_support import serving
from flask import Flask, Response
from twilio.twiml.voice_response import VoiceResponse

from ivr.call.checks import load_menu
from ivr.simulator import Simulator
from ivr.web import create_app
from ivr.web.console.phone_audio import SayAudio, Voice, voice_for
from ivr.web.console.phone_calls import PhoneCalls, TooManyCalls

TOKEN = "phone-test-auth-token-0123456789"
PASSWORD = "phone page password"


def _app(**settings: str) -> Flask:
    return create_app({"USE_AUDIO": "false", **settings})


def _csrf(client) -> str:
    page = client.get("/console/phone")
    assert page.status_code == 200
    return re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)


def _place(client, token: str, **body):
    return client.post("/console/phone/calls", json=body, headers={"X-CSRF-Token": token})


def _act(client, token: str, call_id: str, **body):
    return client.post(f"/console/phone/calls/{call_id}/act", json=body, headers={"X-CSRF-Token": token})


# -- who may call --------------------------------------------------------------------------------


def test_open_in_development_without_a_login():
    client = _app().test_client()
    token = _csrf(client)
    placed = _place(client, token)
    assert placed.status_code == 200
    assert placed.get_json()["wait"]["kind"] == "gather"


def test_in_production_only_behind_the_console_login():
    production = {"IVR_ENV": "production", "TWILIO_AUTH_TOKEN": TOKEN, "SIP_TRUNK_HOST": "trunk.example.com"}
    closed = _app(**production).test_client()
    assert closed.get("/console/phone").status_code == 404  # no password: no phone at all
    assert closed.post("/console/phone/calls", json={}).status_code == 404
    app = _app(**production, CONSOLE_PASSWORD=PASSWORD, CONSOLE_SECRET_KEY="k" * 40)
    client = app.test_client()
    first = client.get("/console/phone")
    assert first.status_code == 302 and "/console/login" in first.location
    assert client.post("/console/phone/calls", json={}).status_code == 401
    login_page = client.get("/console/login").get_data(as_text=True)
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    client.post("/console/login", data={"password": PASSWORD, "csrf_token": form_token})
    token = _csrf(client)
    assert _place(client, token).status_code == 200


def test_a_password_in_development_also_locks_the_phone():
    client = _app(CONSOLE_PASSWORD=PASSWORD).test_client()
    assert client.get("/console/phone").status_code == 302


def test_placing_or_driving_a_call_needs_the_pages_csrf_token():
    client = _app().test_client()
    assert client.post("/console/phone/calls", json={}).status_code == 400
    token = _csrf(client)
    call_id = _place(client, token).get_json()["call"]
    assert client.post(f"/console/phone/calls/{call_id}/act", json={"action": "press", "key": "1"}).status_code == 400


def test_a_call_belongs_to_the_browser_that_placed_it():
    app = _app()
    mine, theirs = app.test_client(), app.test_client()
    token = _csrf(mine)
    call_id = _place(mine, token).get_json()["call"]
    other_token = _csrf(theirs)
    answer = _act(theirs, other_token, call_id, action="press", key="1")
    assert answer.status_code == 404
    assert "over" in answer.get_json()["error"]
    assert theirs.get(f"/console/phone/calls/{call_id}/media/0").status_code == 404


def test_the_auth_token_signs_the_calls_and_never_reaches_the_page():
    client = _app(TWILIO_AUTH_TOKEN=TOKEN).test_client()
    token = _csrf(client)
    page = client.get("/console/phone").get_data(as_text=True)
    placed = _place(client, token)
    update = placed.get_json()
    assert update["problems"] == []  # the in-process app accepted the signed webhooks (no 403 -> 11200)
    moved = _act(client, token, update["call"], action="press", key="1")
    bodies = [page, placed.get_data(as_text=True), moved.get_data(as_text=True)]
    bodies.append(client.get("/console/phone/diagram.svg").get_data(as_text=True))
    assert all(TOKEN not in body for body in bodies)


# -- what the page is told -----------------------------------------------------------------------


def test_a_barge_in_amends_the_lines_already_shown():
    client = _app().test_client()
    token = _csrf(client)
    first = _place(client, token).get_json()
    nested = [s for s in first["sounds"] if "nested" in s]
    assert nested, "the welcome's choices are prompts inside the <Gather>"
    cut = nested[-1]
    second = _act(client, token, first["call"], action="press", key="1", barge_in=True, during=cut["nested"])
    amended = {a["index"]: a["text"] for a in second.get_json()["amended"]}
    assert amended[cut["event"]].endswith("(interrupted)")
    assert any(line["text"].endswith("CALLER pressed 1 (barging in)") for line in second.get_json()["lines"])


def test_bad_moves_are_refused_with_a_reason_and_the_call_goes_on():
    client = _app().test_client()
    token = _csrf(client)
    call_id = _place(client, token).get_json()["call"]
    for body in ({"action": "press", "key": "12"}, {"action": "fly"}, {"action": "dial", "status": "busy"}):
        answer = _act(client, token, call_id, **body)
        assert answer.status_code == 409 and answer.get_json()["error"]
    assert _act(client, token, call_id, action="press", key="1").status_code == 200


def test_call_at_needs_a_readable_moment():
    client = _app().test_client()
    token = _csrf(client)
    answer = _place(client, token, at="next tuesday")
    assert answer.status_code == 400
    assert "ISO 8601" in answer.get_json()["error"]
    assert _place(client, token, at="2026-06-01T23:00+08:00").status_code == 200


def test_say_prompts_are_rendered_with_the_audio_builds_voice():
    client = _app().test_client()
    token = _csrf(client)
    update = _place(client, token).get_json()
    url = update["sounds"][-1]["url"]
    wav = client.get(url)
    assert wav.status_code == 200 and wav.mimetype == "audio/wav"
    samples, rate = soundfile.read(io.BytesIO(wav.data))
    assert rate == 8000 and len(samples) / rate > 0.5  # a real spoken prompt, as telephone audio
    assert client.get("/console/phone/say/00000000000000000000.wav").status_code == 404


def test_the_menus_voice_speaks_its_language():
    tree = load_menu("menus/wallet.yaml")
    zh = tree.languages["zh-CN"]
    assert voice_for(tree, zh.say_language, zh.say_voice) == Voice(zh.tts_voice, zh.tts_rate)
    assert voice_for(None, "cmn-CN", "Polly.Zhiyu").voice == "sit/cmn-latn-pinyin"


# -- any TwiML URL: its files and its problems -----------------------------------------------------


def _twiml_app() -> Flask:
    app = Flask("phone_target")
    calls = {"n": 0}

    @app.post("/voice")
    def voice() -> Response:
        r = VoiceResponse()
        gather = r.gather(num_digits=1, action="/voice/broken")
        gather.play("/tone.wav")
        return Response(str(r), mimetype="text/xml")

    @app.post("/voice/broken")
    def broken() -> Response:
        calls["n"] += 1
        return Response("<Response><Say>unclosed", mimetype="text/xml")

    @app.get("/tone.wav")
    def tone() -> Response:
        buffer = io.BytesIO()
        soundfile.write(buffer, [0.1, -0.1] * 4000, 8000, format="WAV", subtype="PCM_16")
        return Response(buffer.getvalue(), mimetype="audio/wav")

    return app


def test_a_url_target_plays_its_files_and_shows_the_problems_twilio_would_report():
    with serving(_twiml_app()) as target:
        client = _app(PHONE_TARGET=f"{target}/voice").test_client()
        token = _csrf(client)
        assert _place(client, token, at="2026-06-01T23:00+08:00").status_code == 400  # its clock is its own
        update = _place(client, token).get_json()
        media = client.get(update["sounds"][0]["url"])
        assert media.status_code == 200 and media.mimetype == "audio/wav"
        assert soundfile.read(io.BytesIO(media.data))[1] == 8000
        assert update["node"] is None  # not this project's URL scheme
        after = _act(client, token, update["call"], action="press", key="1").get_json()
        assert [p["code"] for p in after["problems"]] == [12100]
        assert after["wait"]["kind"] == "ended"


# -- bounds and the idle reaper ------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _place_on(app: Flask):
    return lambda: Simulator(app, strict=False).call()


def test_idle_calls_are_hung_up_and_forgotten():
    app, clock = _app(), _Clock()
    calls = PhoneCalls(idle_seconds=60, monotonic=clock, reaper=False)
    idle = calls.open("me", _place_on(app))
    busy = calls.open("me", _place_on(app))
    clock.now += 45
    assert calls.get(busy.id, "me") is busy  # touched
    clock.now += 30
    assert calls.reap() == 1
    assert idle.call.ended and idle.call.end_reason == "caller hung up"
    assert calls.get(idle.id, "me") is None and calls.get(busy.id, "me") is busy
    calls.shutdown()
    assert busy.call.ended and len(calls) == 0


def test_the_number_of_open_calls_is_bounded():
    app = _app()
    calls = PhoneCalls(max_calls=2, reaper=False)
    first = calls.open("me", _place_on(app))
    calls.open("me", _place_on(app))
    with pytest.raises(TooManyCalls, match="2 phone calls are already open"):
        calls.open("me", _place_on(app))
    first.call.hangup()  # an ended call makes room
    assert calls.open("me", _place_on(app)).call.waiting_for == "gather"
    calls.shutdown()


def test_the_reaper_thread_runs_only_while_calls_exist():
    calls = PhoneCalls(idle_seconds=3600)
    phone = calls.open("me", _place_on(_app()))
    assert calls._reaper is not None and calls._reaper.is_alive()
    calls.shutdown()
    assert phone.call.ended and not calls._reaper.is_alive()


def test_say_renders_are_cached_by_text_voice_and_rate(tmp_path):
    from ivr.audio.render import render_prompt

    rendered: list[str] = []

    def counting(text: str, voice: str, rate: int) -> bytes:
        rendered.append(text)
        return render_prompt(text, voice, rate).wav

    audio = SayAudio(tmp_path, render=counting)
    tree = load_menu("menus/wallet.yaml")
    en = tree.languages["en-US"]
    voice = voice_for(tree, en.say_language, en.say_voice)
    key = audio.announce("Hello.", voice)
    assert audio.announce("Hello.", voice) == key
    assert audio.wav(key)[:4] == b"RIFF" and audio.wav(key) == audio.wav(key)
    assert rendered == ["Hello."]
    other = audio.announce("Hello.", Voice(voice.voice, voice.rate + 20))
    assert other != key
    audio.wav(other)
    assert rendered == ["Hello.", "Hello."]


def test_a_closed_tab_hangs_up_with_a_form_post_carrying_the_token():
    """What the page's ``sendBeacon`` sends when the tab closes: a form, the token in a field."""
    app = _app()
    client = app.test_client()
    token = _csrf(client)
    call_id = _place(client, token).get_json()["call"]
    answer = client.post(f"/console/phone/calls/{call_id}/act", data={"action": "hangup", "csrf_token": token})
    assert answer.status_code == 200
    assert answer.get_json()["wait"]["kind"] == "ended"
