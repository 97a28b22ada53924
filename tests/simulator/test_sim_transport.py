"""The simulator reaches apps in-process and over real HTTP, signing like Twilio."""

from __future__ import annotations

from flask import Flask, Response, request
from sim_app import TOKEN
from twilio.request_validator import RequestValidator

from ivr.simulator import Simulator
from ivr.simulator.transport import HttpTransport, WsgiTransport, sign


def test_in_process_requests_pass_the_apps_real_signature_check(app):
    call = Simulator(app, auth_token=TOKEN, entry_path="/voice/incoming").call().press("1")
    assert [r["status"] for r in call.requests] == [200, 200]
    assert call.dialed == "+8657195188"


def test_a_wrong_token_gets_403_and_the_simulator_reports_11217(app):
    call = Simulator(app, auth_token="not-the-token", strict=False).call()
    assert call.requests[0]["status"] == 403
    assert call.problems[0]["code"] == 11217 and "403" in call.problems[0]["message"]
    assert "an application error has occurred" in call.heard
    assert call.ended


def test_unsigned_requests_are_refused_by_a_validating_app(app):
    call = Simulator(app, strict=False).call()
    assert call.requests[0]["status"] == 403


def test_over_http_the_same_call_works_with_signatures_on(live_app):
    flask_app, base = live_app
    call = Simulator(f"{base}/voice/incoming", auth_token=TOKEN, status_callback="/voice/status").call()
    assert "退款请按1" in call.heard
    call.press("1").dial_outcome("completed", duration=30)
    assert "DialCallStatus=completed DialCallDuration=30" in call.heard
    assert call.ended
    assert [r["status"] for r in call.requests] == [200, 200, 200, 204]
    assert flask_app.config["STATUS_CALLBACKS"][0]["CallStatus"] == "completed"


def test_over_http_a_wrong_token_gets_403(live_app):
    _flask_app, base = live_app
    call = Simulator(f"{base}/voice/incoming", auth_token="wrong", strict=False).call()
    assert call.requests[0]["status"] == 403
    assert call.problems[0]["code"] == 11217


def test_over_http_an_unreachable_app_is_an_11205():
    call = Simulator("http://127.0.0.1:9/voice", strict=False).call()
    assert call.requests[0]["status"] is None
    assert call.problems[0]["code"] == 11205
    assert call.ended


def test_get_requests_are_signed_over_the_url_with_the_query_string(live_app):
    flask_app, base = live_app
    call = Simulator(f"{base}/voice/get-redirect", auth_token=TOKEN).call()
    method, url, _values = flask_app.config["SEEN"][-1]
    assert method == "GET" and "?" in url and "CallSid=" in url
    assert "GET from=" in call.heard


def test_signature_is_the_helper_librarys_computation():
    params = {"CallSid": "CA1", "Digits": "1", "From": "+8613800000000"}
    url = "https://example.com/voice/menu?x=1"
    expected = RequestValidator(TOKEN).compute_signature(url, params)
    assert sign(TOKEN, url, params) == expected
    assert RequestValidator(TOKEN).validate(url, params, sign(TOKEN, url, params))
    assert not RequestValidator(TOKEN).validate(url, params, sign("other", url, params))


def test_wsgi_transport_signs_for_the_configured_public_base_url(app):
    app.config["AUTH_TOKEN"] = None  # see the request exactly as sent
    transport = WsgiTransport(app, base_url="https://ivr.example.com", auth_token=TOKEN)
    response = transport.request("POST", "https://ivr.example.com/voice/echo", {"Digits": "5"})
    assert response.status == 200 and b"Digits=5" in response.body
    _method, seen_url, _values = app.config["SEEN"][-1]
    assert seen_url == "https://ivr.example.com/voice/echo"


def test_http_transport_signs_and_an_unsigned_one_is_refused(live_app):
    _flask_app, base = live_app
    signed, unsigned = HttpTransport(auth_token=TOKEN), HttpTransport()
    ok = signed.request("POST", f"{base}/voice/echo", {"Digits": "7"})
    refused = unsigned.request("POST", f"{base}/voice/echo", {"Digits": "7"})
    signed.close()
    unsigned.close()
    assert ok.status == 200 and b"Digits=7" in ok.body  # the app validates X-Twilio-Signature
    assert refused.status == 403


def test_in_process_cookies_last_for_one_call_like_twilios():
    """Twilio keeps the cookies an app sets for the rest of that call, and only that call."""
    app = Flask(__name__)

    @app.post("/first")
    def first() -> Response:
        answer = Response("<Response><Redirect>/second?x=%E4%BD%A0</Redirect></Response>", mimetype="text/xml")
        answer.set_cookie("visit", "1")
        return answer

    @app.post("/second")
    def second() -> Response:
        said = f"cookie {request.cookies.get('visit')} x {request.args['x']} digits {request.form.get('Digits')}"
        return Response(f"<Response><Gather numDigits='1'><Say>{said}</Say></Gather></Response>", mimetype="text/xml")

    simulator = Simulator(app, entry_path="/first")
    call = simulator.call()
    assert "cookie 1 x 你 digits None" in call.heard
    call.press("5")
    assert "cookie 1 x 你 digits 5" in call.heard
    transport = simulator.transport()  # a new call starts without them
    assert b"cookie None" in transport.request("POST", "http://localhost/second?x=1", {}).body
