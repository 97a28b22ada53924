"""The record of a simulated call: what the caller heard and did, and every webhook request.

A transcript is the simulator's only output that people read, so it has two faces: plain data
(``to_dict``/``to_json``, stable keys, for tools and ``--transcript out.json``) and a readable
rendering (``render``) that every failing assertion prints, so a red test shows the whole call
instead of a bare ``AssertionError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

#: Event kinds.  What the caller *hears* is ``say``, ``play``, ``pause`` and ``beep``.
HEARD_KINDS = frozenset(["say", "play", "pause", "beep"])


@dataclass
class Event:
    """One moment of the call at simulated time ``at`` (seconds since the call was answered)."""

    kind: str
    at: float
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``{"kind": ..., "at": ..., **data}``."""
        return {"kind": self.kind, "at": round(self.at, 2), **self.data}

    def describe(self) -> str:
        """One readable line (without the time stamp)."""
        d = self.data
        kind = self.kind
        if kind == "say":
            loop = f" x{d['loop']}" if d.get("loop", 1) != 1 else ""
            cut = " (interrupted)" if d.get("interrupted") else ""
            skipped = " (not reached: caller barged in)" if d.get("skipped") else ""
            who = " [Twilio]" if d.get("source") == "twilio" else ""
            return f"SAY   [{d['language']}, {d['voice']}]{who}{loop} {d['text']}{cut}{skipped}"
        if kind == "play":
            loop = f" x{d['loop']}" if d.get("loop", 1) != 1 else ""
            cut = " (interrupted)" if d.get("interrupted") else ""
            return f"PLAY  {d['url']}{loop}{cut}"
        if kind == "pause":
            return f"PAUSE {d['length']}s"
        if kind == "beep":
            return "BEEP  (recording starts)"
        if kind == "request":
            extra = {k: v for k, v in d.get("params", {}).items() if k in _INTERESTING_PARAMS}
            shown = " ".join(f"{k}={v}" for k, v in extra.items())
            status = d.get("status")
            outcome = f"-> {status}" if status is not None else f"-> failed ({d.get('failure')})"
            role = "" if d.get("role", "webhook") == "webhook" else f" [{d['role']}]"
            return f"HTTP  {d['method']} {d['url']}{role} {shown} {outcome}".replace("  ", " ")
        if kind == "gather":
            bits = [f"input={d['input']}", f"timeout={d['timeout']}s"]
            if d.get("numDigits"):
                bits.append(f"numDigits={d['numDigits']}")
            bits.append(f"finishOnKey={d['finishOnKey']!r}")
            return f"WAIT  gather ({', '.join(bits)}) -> {d['method']} {d['action']}"
        if kind == "record":
            return (
                f"WAIT  record (maxLength={d['maxLength']}s, timeout={d['timeout']}s, "
                f"finishOnKey={d['finishOnKey']!r}) -> {d['method']} {d['action']}"
            )
        if kind == "recording":
            return f"REC   recorded {d['duration']}s, Digits={d['digits']!r}"
        if kind == "dial":
            return f"DIAL  {', '.join(d['targets'])} (timeout={d['timeout']}s, callerId={d['callerId']})"
        if kind == "dial-result":
            return f"DIAL  outcome {d['status']}, {d['duration']}s"
        if kind == "input":
            return "CALLER " + _describe_input(d)
        if kind == "problem":
            where = f" line {d['line']}" if d.get("line") else ""
            url = f" in {d['url']}" if d.get("url") else ""
            return f"{d['severity'].upper()} {d['code']}{url}{where}: {d['message']}"
        if kind == "note":
            return f"NOTE  {d['message']}"
        if kind == "end":
            return f"END   {d['reason']} (CallStatus={d['status']}, {d['duration']}s)"
        return f"{kind.upper()} {d}"


_INTERESTING_PARAMS = (
    "CallStatus",
    "Digits",
    "SpeechResult",
    "Confidence",
    "DialCallStatus",
    "DialCallDuration",
    "RecordingDuration",
    "CallDuration",
)


def _describe_input(d: dict[str, Any]) -> str:
    what = d["input"]
    barge = " (barging in)" if d.get("barge_in") else ""
    if what == "press":
        return f"pressed {d['key']}{barge}"
    if what == "speech":
        return f"said {d['text']!r} (confidence {d['confidence']}){barge}"
    if what == "silence":
        return "stayed silent"
    if what == "hangup":
        return "hung up"
    if what == "dial-outcome":
        return f"dialled party: {d['status']}"
    return str(d)


class Transcript:
    """All events of one call, in order, with helpers for "since the caller's last input"."""

    def __init__(self, call_sid: str = "") -> None:
        self.call_sid = call_sid
        self.events: list[Event] = []

    def add(self, kind: str, at: float, **data: Any) -> Event:
        """Append an event and return it (so the engine can amend it, e.g. mark it interrupted)."""
        event = Event(kind, at, data)
        self.events.append(event)
        return event

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def of_kind(self, *kinds: str) -> list[Event]:
        """The events of the given kinds, in order."""
        return [e for e in self.events if e.kind in kinds]

    def since_last_input(self) -> list[Event]:
        """Events after the caller's most recent input (the whole call if there was none)."""
        for index in range(len(self.events) - 1, -1, -1):
            if self.events[index].kind == "input":
                return self.events[index + 1 :]
        return list(self.events)

    @staticmethod
    def heard_text(events: Iterable[Event]) -> str:
        """The words said in ``events`` (skipped prompts excluded), one ``<Say>`` per line."""
        return "\n".join(e.data["text"] for e in events if e.kind == "say" and not e.data.get("skipped"))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"call_sid": self.call_sid, "events": [e.to_dict() for e in self.events]}

    def to_json(self, indent: int | None = 2) -> str:
        """JSON text (UTF-8 characters kept readable, not escaped)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def render(self, events: Iterable[Event] | None = None) -> str:
        """A readable, time-stamped listing of the call (or of ``events``)."""
        chosen = self.events if events is None else list(events)
        return "\n".join(f"{e.at:7.1f}s  {e.describe()}" for e in chosen)

    def __str__(self) -> str:
        return self.render()
