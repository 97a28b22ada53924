"""The web side of the call store: the ``Recorder`` for this app's settings, and the two webhooks
Twilio sends about a call rather than for it (they answer nothing the caller hears).

* ``/voice/status``: the call's status callback (``CallStatus``, ``CallDuration``), set on the
  phone number in Twilio's console (https://www.twilio.com/docs/usage/webhooks/voice-webhooks#call-status-callbacks).
* ``/voice/node/<node>/recording``: ``<Record recordingStatusCallback>``, once Twilio has the
  recording (``RecordingStatus``, ``RecordingUrl``, ``RecordingSid``, ``RecordingDuration``;
  https://www.twilio.com/docs/usage/webhooks/voice-webhooks#recording-status-callbacks). The
  node and language travel in the URL, as for every other webhook.

Both are under ``/voice/``, so they are signature-checked like the rest. The store itself is
never served over HTTP here: its readers are the ``ivr`` commands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request

from ivr.call.callstate import CallState
from ivr.store import journey
from ivr.store.database import StoreConfigError
from ivr.store.notify import Notifier
from ivr.store.recorder import Recorder, StoreSettings
from ivr.web.menu_source import MenuSource
from ivr.web.settings import Settings


def recorder_for(settings: Settings, clock: Callable[[], datetime]) -> Recorder | None:
    """The app's recorder, or None with ``CALL_STORE=false``. Raises ``StoreConfigError`` for a bad URL."""
    if not settings.call_store:
        return None
    if settings.notify_url:
        if not settings.notify_url.startswith(("http://", "https://")):
            raise StoreConfigError(f"NOTIFY_URL={settings.notify_url!r} is not an http(s) URL")
        if not settings.notify_secret.strip():
            raise StoreConfigError("NOTIFY_URL is set but NOTIFY_SECRET is not: announcements must be signed")
    store = StoreSettings(
        database_url=settings.database_url,
        spool_dir=settings.spool_dir,
        spool_sync=settings.spool_sync,
        forward_interval=max(settings.spool_forward_ms, 10) / 1000,
        notify_url=settings.notify_url,
        notify_secret=settings.notify_secret,
        forwarder=settings.spool_forwarder,
    )
    notifier = Notifier.factory(store) if store.notify_url else None
    return Recorder(store, notifier_factory=notifier)


def callbacks_blueprint(menu: MenuSource, recorder: Recorder | None, now: Callable[[], datetime]) -> Blueprint:
    blueprint = Blueprint("ivr_call_store", __name__)

    @blueprint.route("/voice/status", methods=["GET", "POST"])
    def call_status() -> Response:
        if recorder is not None:
            recorder.record(_sent(), now(), journey.call_ended())
        return Response(status=204)

    @blueprint.route("/voice/node/<node_id>/recording", methods=["GET", "POST"])
    def recording_status(node_id: str) -> Response:
        if recorder is not None:
            tree = menu.current()
            state, _repaired = CallState.from_params(tree, node_id, request.args)
            recorder.record(_sent(), now(), journey.recording_status(tree, state))
        return Response(status=204)

    return blueprint


def _sent() -> Any:
    """Twilio's parameters: the form of a POST, the query of a GET."""
    return request.form if request.method == "POST" else request.args
