"""The webhook service: a Flask app answering Twilio's voice webhooks with TwiML."""

from ivr.web.app import create_app

__all__ = ["create_app"]
