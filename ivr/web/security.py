"""Only Twilio may drive the line: X-Twilio-Signature on every webhook.

Twilio signs the full URL it requested plus the POST parameters with the account's auth token
(HMAC-SHA1, https://www.twilio.com/docs/usage/security#validating-requests). Behind a proxy or
tunnel the URL Flask sees (http://127.0.0.1:5000/...) is not the one Twilio signed
(https://ivr.example.com/...), so the URL is rebuilt from PUBLIC_BASE_URL when configured, else
from the request as corrected by ProxyFix for trusted proxies.

Why not ``twilio.request_validator.RequestValidator.validate``: it always computes two HMACs,
for the URL with and without the port ("sig generation on back end is inconsistent"), and
compares them with a Python loop over characters. ``TwilioSignature`` accepts exactly what
``validate`` accepts (``tests/web/test_signature_equivalence.py`` checks the two against each
other on thousands of generated signed and forged requests) but computes one HMAC for a valid
request: first the URL form Twilio most likely used (the URL as it stands), and the other form
only when the first does not match. Comparison is constant time (``hmac.compare_digest``), so the
time to refuse says nothing about how close a forgery came.

Why a keyed HMAC copied per request and not the one-shot ``hmac.digest``: CPython's one-shot
(``_hashlib.hmac_digest``) releases the GIL around OpenSSL's ``HMAC()``, whatever the length. In a
gthread worker another thread then takes the GIL, and the webhook waits for it to be handed back:
``benchmarks/gil_handoffs.py`` measured 1.9 µs for the call alone and 470 µs of wall time with one
busy sibling thread, and py-spy put 10 % of a loaded worker's samples there. ``HMAC.copy`` (the
key already mixed in) then ``update`` and ``digest`` keep the GIL for a message under 2,048 bytes
(``HASHLIB_GIL_MINSIZE``): 1.4 µs, busy sibling or not.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from hashlib import sha1
from urllib.parse import urlparse

from flask import Request
from twilio.request_validator import add_port, remove_port


def public_url(request: Request, public_base_url: str) -> str:
    """The URL Twilio used for this request."""
    if public_base_url:
        query = request.query_string.decode("latin-1")
        return public_base_url.rstrip("/") + request.path + (f"?{query}" if query else "")
    return request.url


class TwilioSignature:
    """The legacy auth-token signature (HMAC-SHA1 of URL + sorted parameters), checked the way
    ``RequestValidator.validate(url, params, signature)`` checks it, for form-encoded POSTs and GETs
    (a ``bodySHA256`` JSON body is not something Twilio sends to voice webhooks)."""

    def __init__(self, auth_token: str):
        self._keyed = hmac.new(auth_token.encode("utf-8"), digestmod=sha1)  # copied per signature: see above

    def signature(self, url: str, params: Mapping[str, str]) -> bytes:
        """Base64 HMAC-SHA1 of ``url`` followed by each parameter name and value, sorted by name
        (one value per name, as ``RequestValidator.compute_signature`` does for a plain dict)."""
        payload = url + "".join(name + params[name] for name in sorted(params))
        mac = self._keyed.copy()
        mac.update(payload.encode("utf-8"))
        return base64.b64encode(mac.digest())

    def is_valid(self, url: str, params: Mapping[str, str], signature: str) -> bool:
        """True exactly when ``RequestValidator(token).validate(url, params, signature)`` is."""
        if not signature:
            return False  # validate: no base64 digest is empty
        given = signature.encode("utf-8", "surrogatepass")
        try:
            parsed = urlparse(url)
            has_port = bool(parsed.port)
        except ValueError:  # a port that is not a number, a broken IPv6 host: validate raises
            return False
        # validate accepts the URL without the port or with the default port added. Both forms are
        # rebuilt by the helper library's own functions, so they are the same strings it signs
        # (``geturl()`` normalises, e.g. drops an empty "?"). The form matching the URL as it
        # stands goes first: that is the one Twilio signed unless its back end was inconsistent.
        first, second = (add_port, remove_port) if has_port else (remove_port, add_port)
        if hmac.compare_digest(self.signature(first(parsed), params), given):
            return True
        return hmac.compare_digest(self.signature(second(parsed), params), given)


class SignatureCheck:
    """The service's check of a Flask request: its public URL, its form, its header."""

    def __init__(self, auth_token: str, public_base_url: str):
        self.signer = TwilioSignature(auth_token)
        self.public_base_url = public_base_url

    def is_valid(self, request: Request) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature:
            return False
        url = public_url(request, self.public_base_url)
        params = request.form.to_dict(flat=True) if request.method == "POST" else {}
        return self.signer.is_valid(url, params, signature)
