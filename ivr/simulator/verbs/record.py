"""``<Record>``: record the caller, then post the recording to the action URL.

Defaults (https://www.twilio.com/docs/voice/twiml/record): action = current document URL,
method POST, timeout 5 s, finishOnKey ``1234567890*#``, maxLength 3600 s, playBeep true.  An
empty recording does not request the action URL; the next verb runs.  A caller who hangs up
while recording still has the recording posted to the action URL with ``Digits=hangup`` (the
request parameters of the same page); whatever TwiML comes back is not run.
"""

from __future__ import annotations

import math
from collections.abc import Generator

from ivr.simulator.attributes import bool_attr, int_attr, method_attr, resolve
from ivr.simulator.call_core import CONTINUE, CallOver, Continue, Fetch
from ivr.simulator.caller import CallerAction, HangUp, Press, Speak, Waiting
from ivr.simulator.fetching import Fetching
from ivr.simulator.timing import BEEP_SECONDS, KEY_PRESS_SECONDS, speech_seconds
from ivr.simulator.twiml_schema import Node


class RecordVerb(Fetching):
    """The ``<Record>`` visitor and the recording status callbacks it queues."""

    def visit_Record(self, node: Node) -> Generator[Waiting, CallerAction, Fetch | Continue]:
        """Record the caller; see the module docstring for the defaults."""
        action = resolve(self.document_url, node.attrs["action"]) if node.attrs.get("action") else self.document_url
        method = method_attr(node)
        timeout = int_attr(node, "timeout", 5)
        max_length = int_attr(node, "maxLength", 3600, minimum=1)
        assert timeout is not None and max_length is not None
        finish = node.attrs.get("finishOnKey", "1234567890*#")
        if not finish or any(ch not in "0123456789*#" for ch in finish):
            finish = "1234567890*#"
        if bool_attr(node, "transcribe", False):
            self._note('transcribe="true": transcription is not simulated')
        self._event(
            "record",
            action=action,
            method=method,
            timeout=timeout,
            maxLength=max_length,
            finishOnKey=finish,
            line=node.line,
        )
        if bool_attr(node, "playBeep", True):
            self._event("beep")
            self._advance_time(BEEP_SECONDS)
        recorded = 0.0
        ended_by = ""
        while True:
            act = yield Waiting(
                "record",
                {
                    "action": action,
                    "method": method,
                    "finishOnKey": finish,
                    "maxLength": max_length,
                    "timeout": timeout,
                    "recorded": recorded,
                    "line": node.line,
                },
            )
            self._log_input(act)
            if isinstance(act, HangUp):
                ended_by = "hangup"
                break
            if isinstance(act, Speak):
                seconds = act.seconds if act.seconds is not None else speech_seconds(act.text)
                if recorded + seconds >= max_length:
                    self._advance_time(max_length - recorded)
                    recorded = float(max_length)
                    break
                self._advance_time(seconds)
                recorded += seconds
                continue
            if isinstance(act, Press):
                self._advance_time(KEY_PRESS_SECONDS)
                if act.key in finish:
                    ended_by = act.key
                    break
                self._note(f"key {act.key} is not in finishOnKey {finish!r}: it is just sound on the recording")
                continue
            self._advance_time(timeout)  # Silence
            break
        if recorded <= 0:
            self._queue_recording_status(node, "absent", "", 0)
            self._event("recording", duration=0, digits=ended_by)
            if ended_by == "hangup":
                raise CallOver("caller hung up")
            self._note("empty recording: Twilio does not request the action URL; continuing with the next verb")
            return CONTINUE
        recording_sid = self.sids.make("RE")
        url = f"https://api.twilio.com/2010-04-01/Accounts/{self.parties.account_sid}/Recordings/{recording_sid}"
        duration = math.ceil(recorded)
        self._queue_recording_status(node, "completed", url, duration, recording_sid)
        self._event("recording", duration=duration, digits=ended_by, url=url)
        fetch = Fetch(
            action,
            method,
            {
                "RecordingUrl": url,
                "RecordingDuration": str(duration),
                "RecordingSid": recording_sid,
                "Digits": ended_by,
            },
        )
        if ended_by == "hangup":
            # Twilio still posts the recording, with Digits=hangup; the caller is gone, so its TwiML never runs.
            self._final_request(fetch, "record-action")
            raise CallOver("caller hung up")
        return fetch

    def _queue_recording_status(self, node: Node, status: str, url: str, duration: int, sid: str = "") -> None:
        """``recordingStatusCallback``: Twilio posts it asynchronously once the recording is processed
        (https://www.twilio.com/docs/usage/webhooks/voice-webhooks#recording-status-callbacks); the
        simulator sends it when the call ends, before the call's status callback. Only the events in
        ``recordingStatusCallbackEvent`` (default ``completed``) are sent."""
        target = node.attrs.get("recordingStatusCallback")
        if not target or status not in node.attrs.get("recordingStatusCallbackEvent", "completed").split():
            return
        params = {
            "AccountSid": self.parties.account_sid,
            "CallSid": self.parties.call_sid,
            "RecordingSid": sid or self.sids.make("RE"),
            "RecordingUrl": url,
            "RecordingStatus": status,
            "RecordingDuration": str(duration),
            "RecordingChannels": "1",
            "RecordingSource": "RecordVerb",
            "ErrorCode": "0",
        }
        fetch = Fetch(resolve(self.document_url, target), method_attr(node, "recordingStatusCallbackMethod"))
        self._recording_callbacks.append((fetch, params))
