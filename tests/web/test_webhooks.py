"""The webhook service as Twilio meets it: TwiML answers, signatures, hours, bad input, hot reload."""

import logging
import shutil
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from freezegun import freeze_time
from healthz import health_until
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from ivr.web import create_app
from ivr.web.settings import SettingError

EXAMPLE = Path(__file__).parents[2] / "menus" / "examples" / "minimal.yaml"
TOKEN = "test-auth-token-0123456789abcdef"
BASE = "https://ivr.example.com"
TRUNK = "trunk.example.com"
LINE = "+14155550100"  # the line's own number: the To of every webhook Twilio sends


@pytest.fixture
def menu_file(tmp_path):
    path = tmp_path / "menu.yaml"
    shutil.copy(EXAMPLE, path)
    return path


@pytest.fixture
def client(menu_file):
    settings = {"MENU_FILE": str(menu_file), "AUDIO_DIR": str(menu_file.parent / "audio"), "SIP_TRUNK_HOST": TRUNK}
    return create_app(settings).test_client()


def xml(response) -> ET.Element:
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/xml"
    return ET.fromstring(response.data)


def said(root: ET.Element) -> str:
    return " | ".join(e.text or "" for e in root.iter("Say"))


def test_incoming_call_gathers_one_key_or_speech_with_barge_in(client):
    root = xml(client.post("/voice/incoming", data={"CallSid": "CA1", "From": "+8613800000000"}))
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1" and gather.get("input") == "dtmf speech"
    assert gather.get("timeout") == "5" and gather.get("action") == "/voice/node/welcome/input?lang=zh-CN"
    # the prompts sit inside <Gather>, so a key press interrupts them
    assert [e.tag for e in gather] == ["Say"] * 4
    # silence falls through to a <Redirect> to the same handler, which counts it as no input
    assert root[-1].tag == "Redirect" and root[-1].text == gather.get("action")


def test_voices_and_speech_language_come_from_the_config(client):
    root = xml(client.post("/voice/node/main?lang=en-US"))
    gather = root.find("Gather")
    assert gather.get("language") == "en-US"
    assert {(s.get("voice"), s.get("language")) for s in gather.iter("Say")} == {("Polly.Joanna", "en-US")}
    assert "refund" in gather.get("hints")


def test_pressing_keys_walks_the_menu(client):
    root = xml(client.post("/voice/node/welcome/input?lang=zh-CN", data={"Digits": "2"}))
    assert root.find("Gather").get("action") == "/voice/node/main/input?lang=en-US"
    root = xml(client.post("/voice/node/main/input?lang=en-US", data={"Digits": "1"}))
    assert "Ask for the refund on the order page" in said(root)
    assert root.find("Gather").get("action") == "/voice/node/refunds/input?lang=en-US&trail=main"


def test_spoken_choice_is_understood(client):
    data = {"SpeechResult": "退款", "Confidence": "0.87"}
    root = xml(client.post("/voice/node/main/input?lang=zh-CN", data=data))
    assert "在订单页面申请退款" in said(root)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/voice/node/main/input?lang=zh-CN", {"Digits": "12abc"}),  # garbage digits
        ("/voice/node/main/input?lang=zh-CN", {"Digits": "\x00"}),
        ("/voice/node/main/input?lang=zh-CN&ni=-3&nm=zz", {"Digits": "7"}),  # bad counters
        ("/voice/node/main/input?lang=zh-CN&nm=99999999999", {"Digits": "7"}),
        ("/voice/node/refundz/input?lang=zh-CN", {"Digits": "1"}),  # unknown node
        ("/voice/node/main/input?lang=xx-XX", {"Digits": "1"}),  # unknown language
        ("/voice/node/main/input", {}),  # missing everything
        ("/voice/node/main/input?lang=zh-CN&trail=a.b..c&mode=bogus", {"Digits": "*"}),
        ("/voice/node/main/input?lang=zh-CN", {"SpeechResult": "退款", "Confidence": "NaN"}),
        ("/voice/node/to_jdpay/dialed?lang=zh-CN", {"DialCallStatus": "exploded"}),
        ("/voice/node/main/dialed?lang=zh-CN", {"DialCallStatus": "busy"}),  # dial outcome for a menu
        ("/voice/node/to_jdpay/input?lang=zh-CN", {"Digits": "1"}),  # short-menu key without a mode
    ],
)
def test_bad_input_always_gets_valid_twiml_that_keeps_the_caller(client, path, data):
    root = xml(client.post(path, data=data))
    assert root.tag == "Response"
    assert root.find("Gather") is not None or root.find("Dial") is not None  # still in a menu, not hung up


def test_unknown_node_recovers_to_the_main_menu(client):
    root = xml(client.post("/voice/node/refundz?lang=en-US"))
    assert "Please choose a topic." in said(root)


def test_oversized_body_gets_the_apology_with_200_not_an_error(client):
    """Twilio plays nothing from a 4xx (11217): the caller hears the apology and the main menu."""
    response = client.post(
        "/voice/node/main/input?lang=en-US",
        data="Digits=1&Junk=" + "x" * 50_000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert said(xml(response)).startswith("Sorry, something went wrong on our side. | Please choose a topic.")


def test_an_unexpected_error_apologises_and_returns_to_the_main_menu(client, monkeypatch):
    from ivr.call import flow

    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(flow, "respond", broken)
    root = xml(client.post("/voice/node/main/input?lang=en-US", data={"Digits": "1"}))
    assert said(root).startswith("Sorry, something went wrong on our side. | Please choose a topic.")


def test_health_check(client):
    assert client.get("/healthz").get_json()["status"] == "ok"


# --- hours, with freezegun on the app's real clock ---------------------------------------------------


@pytest.mark.parametrize(
    ("utc_time", "opens"),
    [
        ("2026-11-24 00:59:00", False),  # Tuesday 08:59 in Shanghai, still Monday in UTC
        ("2026-11-24 01:00:00", True),  # Tuesday 09:00 in Shanghai
        ("2027-02-06 02:00:00", False),  # a Saturday the config lists as a holiday
        ("2026-12-31 05:00:00", False),  # special hours: closes at noon on New Year's Eve
        ("2026-12-31 03:00:00", True),
    ],
)
def test_transfers_respect_the_hotlines_hours(client, utc_time, opens):
    with freeze_time(utc_time):
        root = xml(client.post("/voice/node/agents/input?lang=en-US&trail=main", data={"Digits": "2", "To": LINE}))
    dial = root.find("Dial")
    if opens:
        assert dial is not None and dial.find("Sip").text == "sip:4006065500@trunk.example.com"
        assert dial.get("callerId") == LINE  # the line's own number, never the caller's
        assert dial.get("action") == "/voice/node/to_jdpay/dialed?lang=en-US&trail=main.agents"
        assert dial.get("timeout") == "30"
    else:
        assert dial is None
        assert "JD Pay is closed now." in said(root) and "To leave a message, press 1." in said(root)


def test_after_hours_message_is_recorded_with_a_cap(client):
    with freeze_time("2026-11-24 14:00:00"):
        root = xml(client.post("/voice/node/to_jdpay/input?lang=en-US&mode=closed", data={"Digits": "1"}))
    record = root.find("Record")
    assert record.get("maxLength") == "120" and record.get("finishOnKey") == "#"
    assert record.get("action") == "/voice/node/to_jdpay/recorded?lang=en-US&mode=closed"
    thanks = xml(client.post(record.get("action"), data={"RecordingUrl": "https://x/r", "RecordingDuration": "7"}))
    assert "Thank you for your message." in said(thanks) and thanks[-1].tag == "Hangup"


@pytest.mark.parametrize("status", ["busy", "no-answer", "failed", "canceled"])
def test_dial_outcomes_offer_another_way(client, status):
    root = xml(client.post("/voice/node/to_jdpay/dialed?lang=en-US", data={"DialCallStatus": status}))
    assert "To try again, press 1. To hear the number, press 2." in said(root)


def test_completed_dial_ends_politely(client):
    root = xml(client.post("/voice/node/to_jdpay/dialed?lang=zh-CN", data={"DialCallStatus": "completed"}))
    assert said(root) == "感谢您的来电，再见。" and root[-1].tag == "Hangup"


# --- signatures ---------------------------------------------------------------------------------------


@pytest.fixture
def signed_client(menu_file):
    app = create_app({"MENU_FILE": str(menu_file), "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": BASE})
    return app.test_client()


def sign(url: str, params: dict, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def test_a_correctly_signed_webhook_is_answered(signed_client):
    params = {"CallSid": "CA1", "Digits": "1"}
    path = "/voice/node/main/input?lang=zh-CN"
    response = signed_client.post(path, data=params, headers={"X-Twilio-Signature": sign(BASE + path, params)})
    assert response.status_code == 200 and b"<Gather" in response.data


@pytest.mark.parametrize(
    "signature",
    [
        None,  # missing
        "forged==",
        sign(BASE + "/voice/node/other/input?lang=zh-CN", {"CallSid": "CA1", "Digits": "1"}),  # another URL
        sign(BASE + "/voice/node/main/input?lang=zh-CN", {"CallSid": "CA1", "Digits": "1"}, "other-token"),
        sign(BASE + "/voice/node/main/input?lang=zh-CN", {"CallSid": "CA1", "Digits": "2"}),  # other params
    ],
)
def test_anything_not_signed_by_twilio_is_refused(signed_client, signature):
    headers = {"X-Twilio-Signature": signature} if signature else {}
    path = "/voice/node/main/input?lang=zh-CN"
    response = signed_client.post(path, data={"CallSid": "CA1", "Digits": "1"}, headers=headers)
    assert response.status_code == 403


def test_signature_behind_a_trusted_proxy_uses_the_forwarded_url(menu_file):
    app = create_app({"MENU_FILE": str(menu_file), "TWILIO_AUTH_TOKEN": TOKEN, "TRUSTED_PROXIES": "1"})
    params = {"CallSid": "CA1"}
    public = "https://tunnel.example.net/voice/incoming"
    headers = {
        "X-Twilio-Signature": sign(public, params),
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "tunnel.example.net",
        "X-Forwarded-For": "203.0.113.9",
    }
    assert app.test_client().post("/voice/incoming", data=params, headers=headers).status_code == 200
    headers["X-Forwarded-Host"] = "evil.example.org"
    assert app.test_client().post("/voice/incoming", data=params, headers=headers).status_code == 403


def test_production_refuses_to_start_without_a_token(menu_file):
    with pytest.raises(SettingError, match="TWILIO_AUTH_TOKEN"):
        create_app({"MENU_FILE": str(menu_file), "IVR_ENV": "production", "TWILIO_AUTH_TOKEN": ""})


def test_development_mode_warns_loudly(menu_file, caplog):
    with caplog.at_level(logging.WARNING):
        create_app({"MENU_FILE": str(menu_file), "TWILIO_AUTH_TOKEN": ""})
    assert "NOT checked" in caplog.text


# --- hot reload -----------------------------------------------------------------------------------------


def bump_mtime(path: Path, step: int) -> None:
    import os

    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + step * 1_000_000_000))


def test_an_edit_is_served_as_soon_as_it_is_loaded(client, menu_file):
    text = menu_file.read_text(encoding="utf-8")
    menu_file.write_text(text.replace("Please choose a topic.", "Please pick a topic."), encoding="utf-8")
    bump_mtime(menu_file, 1)
    health_until(client, lambda health: health["version"] == 2, "the edit loaded")
    assert "Please pick a topic." in said(xml(client.post("/voice/node/main?lang=en-US")))


def test_an_invalid_edit_is_logged_and_the_last_good_menu_keeps_serving(client, menu_file, caplog):
    text = menu_file.read_text(encoding="utf-8")
    menu_file.write_text(text.replace("goto: refunds", "goto: refundz"), encoding="utf-8")
    bump_mtime(menu_file, 1)
    with caplog.at_level(logging.ERROR):
        health = health_until(client, lambda health: health["file"]["state"] == "rejected", "the edit rejected")
        root = xml(client.post("/voice/node/main/input?lang=en-US", data={"Digits": "1"}))
    assert "Ask for the refund" in said(root)
    assert "targets 'refundz', which is not a node (did you mean 'refunds'?)" in caplog.text
    assert f"{menu_file}:" in caplog.text
    assert health["status"] == "degraded" and health["served"]["from"] == "file"


# --- over real HTTP -----------------------------------------------------------------------------------


def test_a_signed_call_over_real_http(menu_file):
    app = create_app({"MENU_FILE": str(menu_file), "TWILIO_AUTH_TOKEN": TOKEN})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        params = {"CallSid": "CA" + "0" * 32, "From": "+8613800000000", "To": "+8610000000"}
        url = f"{base}/voice/incoming"
        response = requests.post(url, data=params, headers={"X-Twilio-Signature": sign(url, params)}, timeout=5)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/xml")
        action = ET.fromstring(response.content).find("Gather").get("action")
        url = base + action
        params = {**params, "Digits": "2"}
        response = requests.post(url, data=params, headers={"X-Twilio-Signature": sign(url, params)}, timeout=5)
        assert "Please choose a topic." in said(ET.fromstring(response.content))
        forged = requests.post(url, data=urlencode(params), headers={"X-Twilio-Signature": "x"}, timeout=5)
        assert forged.status_code == 403
    finally:
        server.shutdown()
