"""Our one-HMAC signature check accepts exactly what the helper library's ``RequestValidator`` does.

``ivr.web.security.TwilioSignature`` replaces ``RequestValidator.validate`` on the hot path (one
HMAC instead of two for a valid request). A caller's call must never be refused that Twilio's own
check would accept, and nothing it refuses may get through: here both are run on thousands of
generated requests, signed for every URL form Twilio may use (as requested, with the default port
added, without the port) and forged in the ways an attacker would (another URL, another token, a
parameter changed, the signature edited), and must agree on every one.
"""

from __future__ import annotations

from urllib.parse import urlparse

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator, add_port, remove_port

from ivr.web.security import TwilioSignature

TOKEN = "equivalence-auth-token-0123456789abcdef"

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
ports = st.sampled_from(["", ":80", ":443", ":8080", ":5000", ":0", ":65535", ":99999", ":x", ":"])
hosts = st.sampled_from(["ivr.example.com", "127.0.0.1", "localhost", "a.b", "[::1]", "user:pw@h.example", "h"])
paths = st.sampled_from(["", "/", "/voice/incoming", "/voice/node/main/input", "/voice/node/é/x", "/a b"])
queries = st.one_of(st.just(""), st.just("?"), st.builds(lambda q: "?" + q, text))
fragments = st.sampled_from(["", "#", "#frag"])
urls = st.builds(
    lambda scheme, host, port, path, query, fragment: f"{scheme}://{host}{port}{path}{query}{fragment}",
    st.sampled_from(["https", "http", "HTTPS", "ftp"]),
    hosts,
    ports,
    paths,
    queries,
    fragments,
)
twilio_names = st.sampled_from(["CallSid", "AccountSid", "From", "To", "Digits", "SpeechResult", "Confidence"])
params = st.dictionaries(st.one_of(twilio_names, text), text, max_size=8)


def reference(url: str, form: dict[str, str], signature: str) -> bool:
    """What ``RequestValidator.validate`` says; where it raises (a port that is not a number, a broken
    IPv6 host) the request is not Twilio's and ours refuses it."""
    try:
        return bool(RequestValidator(TOKEN).validate(url, form, signature))
    except ValueError:
        return False


def url_forms(url: str) -> list[str]:
    """The URL as written and the two forms ``validate`` tries, when they can be built."""
    try:
        parsed = urlparse(url)
        return [url, add_port(parsed), remove_port(parsed)]
    except ValueError:
        return [url]


ours = TwilioSignature(TOKEN)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(url=urls, form=params, form_index=st.integers(0, 2))
def test_every_url_form_twilio_may_sign_is_judged_alike(url, form, form_index):
    forms = url_forms(url)
    signed_url = forms[min(form_index, len(forms) - 1)]
    signature = RequestValidator(TOKEN).compute_signature(signed_url, form)
    assert ours.is_valid(url, form, signature) == reference(url, form, signature)


EDITS = [
    "url",
    "param-added",
    "param-changed",
    "param-removed",
    "lowercase",
    "padded",
    "truncated",
    "replaced",
    "empty",
    "other-token",
]


def forgeries(url: str, form: dict[str, str], signature: str, edit: str, extra: str) -> tuple[str, dict, str]:
    """One way to tamper with a genuinely signed request."""
    if edit == "url":
        return url + extra + "x", form, signature
    if edit == "param-added":
        return url, {**form, "Digits" if "Digits" not in form else "Extra": extra}, signature
    if edit == "param-changed" and form:
        name = sorted(form)[0]
        return url, {**form, name: form[name] + "9"}, signature
    if edit == "param-removed" and form:
        return url, dict(sorted(form.items())[1:]), signature
    if edit == "lowercase":
        return url, form, signature.lower()
    if edit == "padded":
        return url, form, signature + " "
    if edit == "truncated":
        return url, form, signature[:-1]
    if edit == "replaced":
        return url, form, extra
    if edit == "empty":
        return url, form, ""
    return url, form, RequestValidator("another-token").compute_signature(url, form)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    url=urls,
    form=params,
    edit=st.sampled_from(EDITS),
    extra=text,
)
def test_forged_requests_are_judged_alike(url, form, edit, extra):
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    forged_url, forged_form, forged_signature = forgeries(url, form, signature, edit, extra)
    assert ours.is_valid(forged_url, forged_form, forged_signature) == reference(
        forged_url, forged_form, forged_signature
    )


def test_the_generated_requests_really_include_accepted_and_refused_ones():
    """Guards the two tests above against agreeing only because everything is refused."""
    url = "https://ivr.example.com/voice/node/main/input?lang=en-US"
    form = {"CallSid": "CA" + "1" * 32, "Digits": "5"}
    for signed_for in url_forms(url) + url_forms("https://ivr.example.com:443/voice/node/main/input?lang=en-US"):
        signature = RequestValidator(TOKEN).compute_signature(signed_for, form)
        assert ours.is_valid(url, form, signature) and reference(url, form, signature)
    forged = RequestValidator(TOKEN).compute_signature(url, {**form, "Digits": "9"})
    assert not ours.is_valid(url, form, forged) and not reference(url, form, forged)
