"""The floor: a Flask app that does no work but what every webhook must do.

It checks ``X-Twilio-Signature`` the way Twilio's docs show for Flask, with the helper library's
``RequestValidator.validate`` over the public URL and the form
(https://www.twilio.com/docs/usage/tutorials/how-to-secure-your-flask-app-by-validating-incoming-twilio-requests),
and answers one constant TwiML document of the size of a typical menu. Under the same gunicorn
settings and the same load it measures what Flask, gunicorn, HTTP and the library's signature
check cost; whatever the real service does beyond that is the price of its own work (and what it
saves, such as its one-HMAC ``ivr.web.security`` check, is its gain). ``FLOOR_SIGNED=0`` turns
the check off, to show what the signature itself costs.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

from ivr.web.security import public_url

DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/voice/node/main/input?lang=en-US" '
    'actionOnEmptyResult="false" hints="login, payment, security, balance, transfer" input="dtmf speech" '
    'language="en-US" method="POST" numDigits="1" speechTimeout="auto" timeout="5">'
    '<Say language="en-US" voice="Polly.Joanna">What can we help you with? For login, account and app '
    "problems, press 1. For payments, refunds and disputes, press 2. For security and privacy, press 3. "
    "For balance, fees and offers, press 4. For a wallet's customer service, press 5. To hear this again, "
    "press 8. To go back, press star. For help, press 0.</Say></Gather>"
    '<Redirect method="POST">/voice/node/main/input?lang=en-US</Redirect></Response>'
)


def create_app() -> Flask:
    """The floor app, configured like the real one from ``TWILIO_AUTH_TOKEN`` and ``PUBLIC_BASE_URL``."""
    app = Flask(__name__)
    token = os.environ.get("TWILIO_AUTH_TOKEN", "")
    signed = os.environ.get("FLOOR_SIGNED", "1") != "0" and token
    validator = RequestValidator(token) if signed else None
    base = os.environ.get("PUBLIC_BASE_URL", "")

    @app.before_request
    def check_signature() -> Response | None:
        if validator is None or not request.path.startswith("/voice/"):
            return None
        params = request.form.to_dict(flat=True) if request.method == "POST" else {}
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(public_url(request, base), params, signature):
            return Response("<Response/>", status=403, content_type="text/xml; charset=utf-8")
        return None

    @app.route("/voice/<path:_rest>", methods=["GET", "POST"])
    def webhook(_rest: str) -> Response:
        return Response(DOCUMENT, content_type="text/xml; charset=utf-8")

    @app.route("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
