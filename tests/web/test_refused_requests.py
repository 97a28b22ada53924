"""Refused webhooks the caller still hears, chunked bodies held to the limit, and a log no request
can forge: against the real app under a real gunicorn on 127.0.0.1 (issue 13, issue 10 item 4).

Twilio executes no TwiML from a 4xx/5xx reply (11200/11217): on ``/voice/…`` a request that is too
large or uses the wrong method gets HTTP 200 and the menu's apology; a bad signature stays a 403.
"""

from __future__ import annotations

import http.client
import os
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from benchmarks.harness import free_port, serving
from ivr.web import create_app

ROOT = Path(__file__).parents[2]
MENU = ROOT / "menus" / "examples" / "minimal.yaml"
TOKEN = "test-auth-token-0123456789abcdef"
LIMIT = 16384  # MAX_BODY_BYTES
APOLOGY = "Sorry, something went wrong on our side."  # the menu's error_apology (en-US)
MAIN_MENU = "Please choose a topic."
FORGED = "[2026-12-02 13:00:00 +0000] [1] [CRITICAL] forged line"


class Service:
    def __init__(self, port: int, log: Path):
        self.port, self.log = port, log
        self.base = f"http://127.0.0.1:{port}"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | Iterator[bytes] | None = None,
        headers: dict[str, str] | None = None,
        *,
        chunked: bool = False,
    ) -> tuple[int, str, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read()
        finally:
            connection.close()

    def signed(self, method: str, path: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        signature = RequestValidator(TOKEN).compute_signature(self.base + path, params if method == "POST" else {})
        headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
        body = urlencode(params).encode() if method == "POST" else None
        return self.request(method, path, body, headers)

    def log_lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[Service]:
    """The minimal example line under gunicorn, signatures on, prompts as <Say>."""
    folder = tmp_path_factory.mktemp("refused")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("IVR_ENV", "LOG_LEVEL") and not k.startswith("SIP_")},
        "MENU_FILE": str(MENU), "USE_AUDIO": "false", "SIP_TRUNK_HOST": "trunk.example.com",
        "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "MAX_BODY_BYTES": str(LIMIT),
        "CALL_STORE": "false", "PYTHONPATH": str(ROOT),
    }  # fmt: skip
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "-w", "1", "-b", f"127.0.0.1:{port}", "ivr.web:create_app()"]
    with serving(command, env, port=port, log=folder / "gunicorn.log", timeout=60) as server:
        yield Service(server.port, server.log)


def said(body: bytes) -> str:
    return " | ".join(e.text or "" for e in ET.fromstring(body).iter("Say"))


def assert_apology(status: int, content_type: str, body: bytes) -> None:
    assert status == 200 and content_type.startswith("text/xml"), (status, body[:300])
    assert said(body).startswith(f"{APOLOGY} | {MAIN_MENU}")
    assert ET.fromstring(body).find("Gather") is not None  # and the caller can choose again


# --- bodies --------------------------------------------------------------------------------------


def chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


SIGNED = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "c2lnbmVkIGJ5IFR3aWxpbw=="}


def test_a_chunked_body_over_the_limit_is_refused_and_the_caller_hears_the_apology(service):
    """Signed as Twilio signs (a body too large to read cannot be verified: refused before that)."""
    body = urlencode({"Junk": "x" * (LIMIT + 10), "Digits": "1"}).encode()
    headers = SIGNED
    assert_apology(*service.request("POST", "/voice/node/main/input?lang=en-US", chunks(body), headers, chunked=True))
    assert any("[WARNING] refused a webhook (413 Request Entity Too Large)" in line for line in service.log_lines())


def test_a_chunked_body_within_the_limit_is_read_to_its_last_key(service):
    """The key at the end of the body is the one the caller pressed, not silence (it used to be cut)."""
    path = "/voice/node/main/input?lang=en-US"
    params = {"Junk": "x" * (LIMIT - 500), "Digits": "9"}  # 9 ends the call in the example line
    signature = RequestValidator(TOKEN).compute_signature(service.base + path, params)
    headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
    status, _type, body = service.request("POST", path, chunks(urlencode(params).encode()), headers, chunked=True)
    assert status == 200 and ET.fromstring(body).find("Hangup") is not None, body[:300]


def test_a_content_length_body_over_the_limit_gets_the_apology_too(service):
    body = urlencode({"Digits": "1", "Junk": "x" * (LIMIT + 10)}).encode()
    assert_apology(*service.request("POST", "/voice/node/main/input?lang=en-US", body, SIGNED))


# --- refused webhooks ----------------------------------------------------------------------------


def test_a_wrong_method_on_a_voice_route_gets_200_and_the_apology(service):
    assert_apology(*service.signed("PUT", "/voice/node/main/input?lang=en-US", {}))


def test_a_bad_signature_is_still_refused_with_403_and_empty_twiml(service):
    status, content_type, body = service.request("POST", "/voice/incoming", b"CallSid=CA1",
                                                 {"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert status == 403 and content_type.startswith("text/xml") and len(ET.fromstring(body)) == 0


def test_other_routes_keep_their_honest_status_codes(service):
    assert service.request("PUT", "/healthz")[0] == 405
    assert service.request("GET", "/no-such-page")[0] == 404


def test_in_development_a_wrong_method_and_an_unknown_voice_route_get_the_apology():
    client = create_app({"MENU_FILE": str(MENU), "USE_AUDIO": "false", "SIP_TRUNK_HOST": "trunk.example.com"})
    client = client.test_client()
    for response in (client.put("/voice/incoming?lang=en-US"), client.post("/voice/nowhere?lang=en-US")):
        assert_apology(response.status_code, response.content_type, response.data)


# --- the log -------------------------------------------------------------------------------------


def test_a_cr_lf_in_an_unsigned_url_cannot_forge_a_log_line(service):
    injected = "/voice/incoming%0d%0a" + FORGED.replace(" ", "%20") + "%1b[31m"
    assert service.request("POST", injected)[0] == 403
    lines = service.log_lines()
    assert not any(line.startswith(FORGED[:30]) for line in lines)
    refused = [line for line in lines if "invalid X-Twilio-Signature" in line]
    assert refused and refused[-1].endswith("/voice/incoming\\r\\n" + FORGED + "\\x1b[31m")
    assert "\x1b" not in service.log.read_text(encoding="utf-8")


def test_form_values_in_the_log_are_escaped_and_caller_numbers_masked(service):
    status = service.signed("POST", "/voice/incoming", {"CallSid": "CA1\r\n" + FORGED, "From": "+8613812345678"})[0]
    assert status == 200
    dialed = service.signed("POST", "/voice/node/to_jdpay/dialed?lang=en-US", {"DialCallStatus": "busy\n" + FORGED})
    assert dialed[0] == 200
    lines = service.log_lines()
    assert not any(line.startswith(FORGED[:30]) for line in lines)
    call = [line for line in lines if "] [INFO] call CA1" in line]
    assert call and call[-1].endswith("call CA1\\r\\n" + FORGED + " from ***5678")
    assert "13812345678" not in service.log.read_text(encoding="utf-8")
    assert any(line.endswith("ended: busy\\n" + FORGED) for line in lines)


def test_every_line_of_the_service_has_the_one_format(service):
    """gunicorn's lines and the service's: ``[date] [pid] [LEVEL] message``."""
    assert service.signed("POST", "/voice/incoming", {"CallSid": "CA2", "From": "+8613800000000"})[0] == 200
    lines = [line for line in service.log_lines() if line.strip()]
    form = re.compile(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] ")
    assert lines and all(form.match(line) for line in lines), [line for line in lines if not form.match(line)][:5]
    assert any(line.endswith("[INFO] call CA2 from ***0000") for line in lines)
