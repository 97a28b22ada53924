"""A small, independent TwiML app for the simulator tests.

Written by hand with the ``twilio`` helper library's ``VoiceResponse`` -- deliberately *not*
built on this project's call-flow core -- so the simulator is tested as a generic Twilio
emulator.  When ``AUTH_TOKEN`` is configured, every request must carry a valid
``X-Twilio-Signature`` (checked with the real ``RequestValidator``) or it gets 403, exactly
like a production app with validation on.
"""

from __future__ import annotations

import io
import math
import struct
import wave

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

ZH = "cmn-Hans-CN"  # what a <Gather> recognises (Twilio's speech-recognition languages)
ZH_VOICE = {"voice": "Polly.Zhiyu", "language": "cmn-CN"}  # a voice that speaks Mandarin (Twilio's TTS table)
TOKEN = "test-auth-token-0123456789abcdef"


def _twiml(response: VoiceResponse | str) -> Response:
    return Response(str(response), mimetype="text/xml")


def tone_wav(seconds: float = 1.0, rate: int = 8000, freq: float = 440.0) -> bytes:
    """A mono 16-bit sine-wave WAV, so <Play> has real audio to fetch."""
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * n / rate))) for n in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def create_app(auth_token: str | None = None) -> Flask:
    app = Flask("sim_app")
    app.config["AUTH_TOKEN"] = auth_token
    app.config["STATUS_CALLBACKS"] = []
    app.config["SEEN"] = []

    @app.before_request
    def check_signature() -> None:
        token = app.config["AUTH_TOKEN"]
        app.config["SEEN"].append((request.method, request.url, request.values.to_dict()))
        if token is None:
            return
        params = request.form if request.method == "POST" else {}
        signature = request.headers.get("X-Twilio-Signature", "")
        if not RequestValidator(token).validate(request.url, params, signature):
            abort(403)

    @app.post("/voice/incoming")
    def incoming() -> Response:
        r = VoiceResponse()
        g = Gather(num_digits=1, action="/voice/menu", input="dtmf speech", language=ZH, hints="退款, 人工")
        g.say("欢迎致电示例钱包。退款请按1，人工服务请按2，留言请按3。", **ZH_VOICE)
        r.append(g)
        r.say("我们没有收到您的输入，再见。", **ZH_VOICE)
        return _twiml(r)

    @app.post("/voice/menu")
    def menu() -> Response:
        digits = request.form.get("Digits", "")
        speech = request.form.get("SpeechResult", "")
        r = VoiceResponse()
        if digits == "1" or "退款" in speech or "refund" in speech.lower():
            r.say("正在为您转接退款专线。", **ZH_VOICE)
            r.dial("+8657195188", action="/voice/dial-done", timeout=20)
        elif digits == "2":
            r.say("Connecting you to an agent.", language="en-US", voice="woman")
            r.dial("+8657100000001")
            r.say("The agent call has ended. Goodbye.", language="en-US")
        elif digits == "3":
            r.say("请在提示音后留言，按井号键结束。", **ZH_VOICE)
            r.record(action="/voice/recorded", max_length=30, finish_on_key="#")
            r.say("没有录到留言。", **ZH_VOICE)
        elif digits == "9":
            r.redirect("incoming")  # relative: resolves against /voice/menu
        elif digits == "8":
            r.redirect("/voice/deep/start")
        elif digits == "0":
            r.say("再见。", **ZH_VOICE)
            r.hangup()
            r.say("this must never be heard")
        else:
            r.say("输入无效。", **ZH_VOICE)
            r.redirect("/voice/incoming")
        return _twiml(r)

    @app.post("/voice/dial-done")
    def dial_done() -> Response:
        r = VoiceResponse()
        r.say(
            f"DialCallStatus={request.form.get('DialCallStatus')} "
            f"DialCallDuration={request.form.get('DialCallDuration')} "
            f"DialCallSid={request.form.get('DialCallSid', '')[:2]}"
        )
        r.hangup()
        return _twiml(r)

    @app.post("/voice/recorded")
    def recorded() -> Response:
        r = VoiceResponse()
        r.say(
            f"RecordingDuration={request.form.get('RecordingDuration')} Digits={request.form.get('Digits')} "
            f"RecordingSid={request.form.get('RecordingSid', '')[:2]} "
            f"RecordingUrl={request.form.get('RecordingUrl', '')[:24]}"
        )
        return _twiml(r)

    @app.post("/voice/deep/start")
    def deep_start() -> Response:
        r = VoiceResponse()
        r.redirect("next")  # relative to /voice/deep/start, not to the call's first URL
        return _twiml(r)

    @app.post("/voice/deep/next")
    def deep_next() -> Response:
        r = VoiceResponse()
        r.say("deep next")
        return _twiml(r)

    @app.post("/voice/account")
    def account() -> Response:
        r = VoiceResponse()
        g = r.gather(action="/voice/echo")  # every attribute at Twilio's default
        g.say("enter your account number followed by the pound key")
        return _twiml(r)

    @app.post("/voice/echo")
    def echo() -> Response:
        keys = ("Digits", "SpeechResult", "Confidence", "CallStatus")
        r = VoiceResponse()
        r.say(" ".join(f"{k}={request.form.get(k, '<none>')}" for k in keys))
        return _twiml(r)

    @app.get("/voice/echo-get")
    def echo_get() -> Response:
        r = VoiceResponse()
        r.say(f"GET from={request.args.get('From')} status={request.args.get('CallStatus')}")
        return _twiml(r)

    @app.post("/voice/default-action")
    def default_action() -> Response:
        r = VoiceResponse()
        if "Digits" in request.form:
            r.say(f"back at the same URL with Digits={request.form['Digits']}")
            return _twiml(r)
        g = r.gather(num_digits=2)
        g.say("enter two digits")
        return _twiml(r)

    @app.post("/voice/empty-result")
    def empty_result() -> Response:
        r = VoiceResponse()
        g = r.gather(action="/voice/echo", action_on_empty_result=True, timeout=3)
        g.say("press something or not")
        r.say("unreachable when actionOnEmptyResult posts")
        return _twiml(r)

    @app.post("/voice/finish")
    def finish() -> Response:
        r = VoiceResponse()
        g = r.gather(action="/voice/echo", finish_on_key="*")
        g.say("enter your account number then star")
        r.say("nothing entered")
        return _twiml(r)

    @app.post("/voice/speech")
    def speech() -> Response:
        r = VoiceResponse()
        g = r.gather(input="speech", action="/voice/echo", language=ZH)
        g.say("请说出您的问题。", **ZH_VOICE)
        g.say("例如：退款。", **ZH_VOICE)
        return _twiml(r)

    @app.post("/voice/prompts")
    def prompts() -> Response:
        r = VoiceResponse()
        r.say("Hello", loop=2)
        r.play("/audio/tone.wav", loop=2)
        r.pause(length=2)
        r.pause()
        r.say("你好", **ZH_VOICE)
        return _twiml(r)

    @app.get("/audio/tone.wav")
    def tone() -> Response:
        return Response(tone_wav(), mimetype="audio/wav")

    @app.post("/voice/dial-plain")
    def dial_plain() -> Response:
        r = VoiceResponse()
        d = Dial(caller_id="+8657100000000", timeout=15)
        d.number("+8613900000000")
        r.append(d)
        r.say("after the dial")
        return _twiml(r)

    @app.post("/voice/loop")
    def loop() -> Response:
        r = VoiceResponse()
        r.redirect("/voice/loop")
        return _twiml(r)

    @app.post("/voice/get-redirect")
    def get_redirect() -> Response:
        r = VoiceResponse()
        r.redirect("/voice/echo-get", method="GET")
        return _twiml(r)

    @app.post("/voice/reject")
    def reject() -> Response:
        r = VoiceResponse()
        r.reject(reason="busy")
        return _twiml(r)

    @app.post("/voice/broken")
    def broken() -> Response:
        return _twiml('<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Say>unclosed\n</Response>\n')

    @app.post("/voice/bad-voice")
    def bad_voice() -> Response:
        return _twiml('<Response><Say voice="Polly.Zhiyou" language="cmn-CN">你好</Say></Response>')

    @app.post("/voice/typo")
    def typo() -> Response:
        return _twiml(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n'
            '  <Gather numdigits="1" action="/voice/echo">\n'
            "    <Say>press a key</Say>\n"
            "  </Gather>\n</Response>\n"
        )

    @app.post("/voice/crash")
    def crash() -> Response:
        raise RuntimeError("boom")

    @app.post("/voice/plain-text")
    def plain_text() -> Response:
        return Response("This line is read out.", mimetype="text/plain")

    @app.post("/voice/enqueue")
    def enqueue() -> Response:
        r = VoiceResponse()
        r.say("please hold")
        r.enqueue("support")
        return _twiml(r)

    @app.post("/voice/status")
    def status() -> Response:
        app.config["STATUS_CALLBACKS"].append(request.form.to_dict())
        return Response("", status=204)

    return app


def documents_app(documents: dict[str, str | tuple[str, str]]) -> Flask:
    """An app that answers each path with a fixed body: TwiML text, or (body, mimetype)."""
    app = Flask("documents_app")

    @app.route("/<path:path>", methods=["GET", "POST"])
    def serve(path: str) -> Response:
        body = documents.get("/" + path)
        if body is None:
            abort(404)
        text, mimetype = body if isinstance(body, tuple) else (body, "text/xml")
        return Response(text, mimetype=mimetype)

    return app
