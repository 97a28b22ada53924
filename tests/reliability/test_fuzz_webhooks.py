"""Fuzzed webhooks: whatever arrives, the caller hears TwiML, never "an application error occurred".

Twilio turns any 5xx (or a body it cannot parse) into an error message and a hang-up. So for any
request to ``/voice/...``: random and garbage ``Digits``, ``SpeechResult``, ``Confidence``, node
ids, counters, languages, trails and modes; missing fields; invalid UTF-8 in the path, the query
string and the body; odd content types and methods; bodies over the size limit; at any instant
between 2000 and 2100; the service must answer below 500 with a document that Twilio's schema
accepts (``validate_twiml``: no problems at all) and must not have hit an internal error on the way
(an apology hides one: the ``ivr`` loggers' ERROR records are checked too).

The requests are sent as raw WSGI environ (``call_raw``), byte for byte, in-process: no timing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reliability_support import FUZZ_SETTINGS, SENT, ErrorLog, Raw, call_raw

from ivr.menu.loader import load_tree
from ivr.simulator import validate_twiml
from ivr.web import create_app

ROOT = Path(__file__).resolve().parents[2]
MENU = ROOT / "menus" / "wallet.yaml"
TREE = load_tree(MENU)
TOKEN = "fuzz-auth-token-0123456789abcdef"
LIMIT = 16384  # MAX_BODY_BYTES
MAX_REDIRECTS = 3


class Clock:
    """The app's clock, set by each example."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


CLOCK = Clock()
SETTINGS = {"MENU_FILE": str(MENU), "AUDIO_DIR": str(ROOT / "no-audio-here"), "MAX_BODY_BYTES": str(LIMIT)}
APP = create_app({**SETTINGS, "TWILIO_AUTH_TOKEN": ""}, clock=CLOCK)  # development mode: every request gets in
SIGNED_APP = create_app({**SETTINGS, "TWILIO_AUTH_TOKEN": TOKEN}, clock=CLOCK)

# --- what a request is made of ----------------------------------------------------------------------

INVALID_UTF8 = st.sampled_from([b"\xff", b"\xfe\xff", b"\xc3", b"\xed\xa0\x80", b"\x80abc", b"\xf4\x90\x80\x80"])
WEIRD_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("\x00\r\n\t&=?#%+./\\<>\"'*"),
    max_size=40,
)


def raw_text(pool: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """A value on the wire: a plausible one, weird text, or bytes that are not UTF-8."""
    return st.one_of(
        pool.map(lambda s: s.encode()),
        WEIRD_TEXT.map(lambda s: s.encode()),
        st.tuples(WEIRD_TEXT, INVALID_UTF8).map(lambda t: t[0].encode() + t[1]),
        st.binary(max_size=30),
    )


NODE_IDS = st.sampled_from(sorted(TREE.nodes))
LANGS = st.sampled_from([*TREE.language_codes, "", "xx-XX", "zh-cn", "EN-US", "zh-CN,en-US"])
COUNTERS = st.one_of(
    st.integers(0, 5).map(str), st.integers(-(10**12), 10**12).map(str), st.sampled_from(["", "1e3", "٣", "0x1"])
)
TRAILS = st.lists(NODE_IDS | WEIRD_TEXT, max_size=20).map(".".join)
MODES = st.sampled_from(["", "closed", "failed", "bogus", "CLOSED"])
DIGITS = st.sampled_from([*"0123456789*#", "", "12", "1#", "#1", " 1 ", "١", "9" * 50, "w", "\x00"])
CONFIDENCE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "NaN", "inf", "-0", "0.4", "1", "1.0000001", "1e309", "0,9", "high"]),
)
DIAL_STATUS = st.sampled_from(["completed", "answered", "busy", "no-answer", "failed", "canceled", "", "exploded"])
SPEECH = st.sampled_from(["退款", "refund", "main menu", "agent", "支付宝", "English", "普通话", "", "嗯"]) | WEIRD_TEXT


@st.composite
def paths(draw: st.DrawFn) -> bytes:
    node = draw(raw_text(NODE_IDS))
    quoted = quote(node, safe="").encode() if draw(st.booleans()) else node.replace(b"/", b"")
    route = draw(st.sampled_from(["", "/input", "/dialed", "/recorded", "/input/extra", "/"]))
    return draw(
        st.sampled_from(
            [
                b"/voice/incoming",
                b"/voice/node/" + quoted + route.encode(),
                b"/voice/node/" + quoted + route.encode(),  # twice: most requests are about a node
                b"/voice/status",
                b"/voice/node/",
                b"/voice/" + quoted,
                b"/voice/node/main/input/../../incoming",
            ]
        )
    )


@st.composite
def encoded_fields(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[str]]) -> bytes:
    """Some of ``fields`` (each may be missing), plus stray ones, form-encoded, sometimes with raw bytes."""
    parts = []
    for name, pool in fields.items():
        if draw(st.booleans()):
            value = draw(raw_text(pool))
            parts.append(name.encode() + b"=" + (quote(value, safe="").encode() if draw(st.booleans()) else value))
    for _ in range(draw(st.integers(0, 2))):
        parts.append(draw(st.binary(max_size=12)) + b"=" + draw(st.binary(max_size=12)))
    if draw(st.booleans()):
        parts = draw(st.permutations(parts))
    return b"&".join(parts)


QUERY_FIELDS = {"lang": LANGS, "ni": COUNTERS, "nm": COUNTERS, "trail": TRAILS, "mode": MODES}
BODY_FIELDS = {
    "CallSid": st.just("CA" + "0" * 32),
    "From": st.just("+8613800000000"),
    "Digits": DIGITS,
    "SpeechResult": SPEECH,
    "Confidence": CONFIDENCE,
    "DialCallStatus": DIAL_STATUS,
    "RecordingUrl": st.just("https://api.twilio.com/recording"),
    "RecordingDuration": COUNTERS,
    "CallStatus": st.sampled_from(["ringing", "in-progress", "completed", "???"]),
}
CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=utf-8",
        "application/x-www-form-urlencoded; charset=latin-1",
        "multipart/form-data; boundary=xyz",
        "multipart/form-data",
        "application/json",
        "text/plain",
        None,
    ]
)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    body = draw(encoded_fields(BODY_FIELDS))
    if draw(st.integers(0, 19)) == 0:  # one in twenty: over the limit
        body += b"&Junk=" + b"x" * draw(st.integers(LIMIT, 4 * LIMIT))
    return body


MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC), allow_imaginary=False
)
METHODS = st.sampled_from(["POST"] * 6 + ["GET"] * 2 + ["PUT", "DELETE", "PATCH"])
REQUESTS = st.fixed_dictionaries(
    {
        "method": METHODS,
        "path": paths(),
        "query": encoded_fields(QUERY_FIELDS),
        "body": bodies(),
        "content_type": CONTENT_TYPES,
        "at": MOMENTS,
    }
)

# --- the checks --------------------------------------------------------------------------------------


def send(app: object, request: dict, headers: dict[str, str] | None = None) -> Raw:
    """Send ``request``; follow redirects the way Twilio does (same method and body, at most a few
    hops), so the answer checked is the document Twilio would finally play."""
    CLOCK.at = request["at"]
    path, query = request["path"], request["query"]
    for _hop in range(MAX_REDIRECTS + 1):
        response = call_raw(app, request["method"], path, query, request["body"], request["content_type"], headers)
        if response.status_code not in (301, 302, 303, 307, 308):
            return response
        target = urlsplit(response.headers["Location"])
        assert target.netloc in ("", "127.0.0.1"), f"redirected off the service: {response.headers['Location']}"
        path, query = target.path.encode("latin-1"), target.query.encode("latin-1")
    raise AssertionError(f"more than {MAX_REDIRECTS} redirects from {request['path']!r}")


def assert_twiml(response: Raw, request: dict) -> None:
    where = f"{request['method']} {request['path']!r}?{request['query']!r}"
    assert response.status_code < 500, f"{where}: HTTP {response.status_code}"
    if request["path"] == b"/voice/status" and response.status_code == 204:
        assert response.body == b""  # the status callback is answered with no content, as documented
        return
    assert response.headers.get("Content-Type", "").startswith("text/xml"), f"{where}: {response.headers}"
    problems = validate_twiml(response.body)
    assert not problems, (
        f"{where}: HTTP {response.status_code}\n" + "\n".join(map(str, problems)) + "\n" + repr(response.body[:500])
    )


def fuzz(name: str, check: Callable[[dict], None]) -> Callable[..., None]:
    """A hypothesis test over ``REQUESTS`` that counts what it sent."""

    @FUZZ_SETTINGS
    @given(request=REQUESTS)
    def run(request: dict) -> None:
        SENT[name] += 1
        check(request)

    return run


def test_fuzz_any_request_gets_valid_twiml_and_no_internal_error(error_log: ErrorLog) -> None:
    def check(request: dict) -> None:
        error_log.records.clear()
        assert_twiml(send(APP, request), request)
        assert not error_log.records, [r.getMessage() for r in error_log.records]

    fuzz("any request, development mode", check)()


def test_fuzz_unsigned_requests_are_refused_with_valid_twiml_when_a_token_is_set(error_log: ErrorLog) -> None:
    def check(request: dict) -> None:
        error_log.records.clear()
        forged = {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"} if request["at"].second % 2 else {}
        response = send(SIGNED_APP, request, forged)
        # unsigned: 403; too large to read (and so to verify): the apology, with 200 (Twilio plays no 4xx)
        assert response.status_code in (200, 403), f"{request['path']!r}: HTTP {response.status_code}"
        assert_twiml(response, request)
        assert not error_log.records, [r.getMessage() for r in error_log.records]

    fuzz("unsigned or forged, token set", check)()


@pytest.mark.parametrize(
    "query", [b"lang=en-US&trail=main\x80\xff", b"lang=\xc3", b"lang=en-US\n", b"lang=en US&ni=\x00"]
)
@pytest.mark.parametrize("path", [b"/voice/node/main/input", b"/voice/node//input"])
def test_raw_bytes_and_control_characters_in_the_query_keep_the_caller_in_a_menu(path, query, error_log) -> None:
    """Found by the fuzz: raw non-UTF-8 bytes in the query hung the caller up (the handler and the
    apology both failed to read it), and a newline in the query of a redirected URL was a 500."""
    request = {"method": "POST", "path": path, "query": query, "body": b"Digits=1", "content_type": None}
    response = send(APP, {**request, "content_type": "application/x-www-form-urlencoded", "at": CLOCK.at})
    assert_twiml(response, request)
    assert b"<Gather" in response.body and b"<Hangup" not in response.body
    assert not error_log.records
