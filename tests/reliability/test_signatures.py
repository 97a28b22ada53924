"""Only Twilio drives the line: with a token set, nothing that Twilio did not sign gets an answer.

``tests/web/test_webhooks.py`` covers the basic refusals on one route (missing, forged, another
URL, another token, another Digits value). Here: every webhook route, the ways a captured, valid
signature can be replayed with something changed (a parameter added, removed or repeated; the query
string, the scheme, the method; the header itself), and that a refused request reached no handler.
Each refusal is a 403 whose body is still a well-formed, empty TwiML document.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from ivr.simulator import validate_twiml
from ivr.web import create_app

MENU = Path(__file__).resolve().parents[2] / "menus" / "wallet.yaml"
TOKEN = "reliability-auth-token-0123456789abcdef"
BASE = "https://ivr.example.com"
CALL = {
    "CallSid": "CA" + "1" * 32,
    "AccountSid": "AC" + "2" * 32,
    "From": "+8613800000000",
    "To": "+861095017",
    "CallStatus": "in-progress",
}
# Every webhook route, with what Twilio would post to it.
ROUTES = [
    ("/voice/incoming", {**CALL, "CallStatus": "ringing"}),
    ("/voice/node/main?lang=en-US", CALL),
    ("/voice/node/main/input?lang=en-US", {**CALL, "Digits": "5"}),
    ("/voice/node/to_jdpay/dialed?lang=en-US&trail=main.agents", {**CALL, "DialCallStatus": "busy"}),
    (
        "/voice/node/to_jdpay/recorded?lang=en-US&mode=closed",
        {**CALL, "RecordingUrl": "https://x/r", "RecordingDuration": "7"},
    ),
    ("/voice/status", {**CALL, "CallStatus": "completed", "CallDuration": "42"}),
]


@pytest.fixture(scope="module")
def client():
    app = create_app(
        {"MENU_FILE": str(MENU), "AUDIO_DIR": "/nonexistent", "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": BASE}
    )
    return app.test_client()


def sign(path: str, params: dict[str, str], *, token: str = TOKEN, base: str = BASE) -> str:
    return RequestValidator(token).compute_signature(base + path, params)


def post(client, path: str, body: str | dict, signature: str | None):
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    data = urlencode(body) if isinstance(body, dict) else body
    return client.post(path, data=data, content_type="application/x-www-form-urlencoded", headers=headers)


def assert_refused(response) -> None:
    assert response.status_code == 403
    assert validate_twiml(response.data) == []
    assert b"<Say" not in response.data and b"<Gather" not in response.data  # nothing of the menu leaks


@pytest.mark.parametrize(("path", "params"), ROUTES, ids=[p.split("?")[0] for p, _ in ROUTES])
def test_every_route_answers_the_signed_request_and_refuses_it_unsigned(client, caplog, path, params):
    signed = post(client, path, params, sign(path, params))
    assert signed.status_code in (200, 204)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="ivr.web"):
        assert_refused(post(client, path, params, None))
        assert_refused(post(client, path, params, ""))
    # The refusal is the only thing logged: no handler ran (no "call ... from", "message left", ...).
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "rejected a webhook with a missing or invalid X-Twilio-Signature"
    ] * 2


PATH = "/voice/node/main/input?lang=en-US"
PARAMS = {**CALL, "Digits": "5"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (PATH, {**PARAMS, "SpeechResult": "refund"}),  # a parameter added
        (PATH, {k: v for k, v in PARAMS.items() if k != "CallSid"}),  # a parameter removed
        (PATH, {**PARAMS, "Digits": ""}),  # a parameter emptied
        (PATH + "&ni=1", PARAMS),  # the query string extended
        ("/voice/node/main/input?lang=zh-CN", PARAMS),  # the query string changed
        ("/voice/node/main/input?lang=en-US&trail=account", PARAMS),  # a trail forged in
        ("/voice/node/payments/input?lang=en-US", PARAMS),  # another node, same query
        (PATH, "Digits=9&" + urlencode(PARAMS)),  # a value repeated, the unsigned one first
    ],
    ids=[
        "added",
        "removed",
        "emptied",
        "query-extended",
        "query-changed",
        "trail-forged",
        "other-node",
        "repeat-first",
    ],
)
def test_a_captured_signature_replayed_with_anything_changed_is_refused(client, path, body):
    assert_refused(post(client, path, body, sign(PATH, PARAMS)))


def test_a_repeated_value_after_the_signed_one_is_never_acted_on(client):
    """``Digits=5&...&Digits=9``: what was signed (5, the first value) is what the caller gets."""
    signed = post(client, PATH, PARAMS, sign(PATH, PARAMS)).data
    repeated = post(client, PATH, urlencode(PARAMS) + "&Digits=9", sign(PATH, PARAMS))
    assert repeated.status_code == 200 and repeated.data == signed
    assert b"goodbye" not in repeated.data.lower()  # 9 would have ended the call


@pytest.mark.parametrize(
    "signature",
    [
        sign(PATH, PARAMS, base="http://ivr.example.com"),  # signed for http, served as https
        sign(PATH, PARAMS, base="https://evil.example.org"),  # another host
        sign(PATH.replace("?", "/?"), PARAMS),  # a trailing slash
        sign(PATH, PARAMS).lower(),
        sign(PATH, PARAMS) + " ",
        " " + sign(PATH, PARAMS),
        sign(PATH, PARAMS)[:-2],
        "A" * 28,
        "ünïcödé",
    ],
    ids=[
        "http",
        "other-host",
        "trailing-slash",
        "lower-case",
        "space-after",
        "space-before",
        "cut",
        "base64-junk",
        "unicode",
    ],
)
def test_a_signature_that_is_almost_right_is_refused(client, signature):
    assert_refused(post(client, PATH, PARAMS, signature))


def test_moving_the_signed_parameters_into_a_get_query_is_refused(client):
    """Twilio signs a GET's URL with its query; the POST signature does not cover that URL."""
    path = PATH + "&" + urlencode(PARAMS)
    response = client.get(path, headers={"X-Twilio-Signature": sign(PATH, PARAMS)})
    assert_refused(response)
    assert client.get(path, headers={"X-Twilio-Signature": sign(path, {})}).status_code == 200  # as Twilio signs a GET
