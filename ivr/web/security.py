"""Only Twilio may drive the line: X-Twilio-Signature on every webhook.

Twilio signs the full URL it requested plus the POST parameters with the account's auth token
(HMAC-SHA1). Behind a proxy or tunnel the URL Flask sees (http://127.0.0.1:5000/...) is not the
one Twilio signed (https://ivr.example.com/...), so the URL is rebuilt from PUBLIC_BASE_URL
when configured, else from the request as corrected by ProxyFix for trusted proxies.
"""

from __future__ import annotations

from flask import Request
from twilio.request_validator import RequestValidator


def public_url(request: Request, public_base_url: str) -> str:
    """The URL Twilio used for this request."""
    if public_base_url:
        query = request.query_string.decode("latin-1")
        return public_base_url.rstrip("/") + request.path + (f"?{query}" if query else "")
    return request.url


class SignatureCheck:
    def __init__(self, auth_token: str, public_base_url: str):
        self.validator = RequestValidator(auth_token)
        self.public_base_url = public_base_url

    def is_valid(self, request: Request) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature:
            return False
        url = public_url(request, self.public_base_url)
        params = request.form.to_dict(flat=True) if request.method == "POST" else {}
        return bool(self.validator.validate(url, params, signature))
