"""What a report says: the figures of one period, as plain data, and what each one means.

Every call is counted in exactly one **outcome**, decided in this order (the first that applies):

``message``
    the caller left a message (a recording the line kept);
``transferred``
    a transfer to a hotline was answered (``DialCallStatus=completed``);
``transfer_failed``
    the line dialled a hotline, and no attempt was answered (busy, no answer, failed, canceled);
``contained``
    the caller heard guidance (entered a topic node) and needed no person;
``abandoned``
    none of these: the caller hung up, or the line ended the call, before any of them.

``containment`` is contained ÷ calls. Rates are ``None`` where their denominator is zero.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

OUTCOMES = ("message", "transferred", "transfer_failed", "contained", "abandoned")
#: Outcomes in which the caller got what they called for (an answer, a person, or a promise of one).
HELPED = frozenset({"message", "transferred", "contained"})
#: The funnel's stages: every call; past the language choice; at a topic or a hotline; helped.
FUNNEL = ("calls", "main_menu", "topic_or_hotline", "helped")

#: One line per figure, for the README, the text report and the HTML report's footnotes.
DEFINITIONS: dict[str, str] = {
    "calls": "calls that started in the period (by the call's start, UTC)",
    "languages": "calls by the language they ended in (the one chosen at the language menu, else the default)",
    "inputs": "key presses and spoken answers at every menu; keypad share = keys ÷ all inputs",
    "outcomes": "every call in exactly one outcome, in this order: message, transferred, transfer failed, "
    "contained, abandoned",
    "containment": "calls that heard guidance and ended with no transfer attempt and no message, ÷ calls",
    "topics": "guidance nodes by the number of calls that heard them (a call counts once per topic)",
    "menus": "per menu: entries; no-input rate = silences ÷ (silences + inputs); no-match rate = inputs that "
    "matched no choice ÷ inputs; fallbacks = calls sent to the fallback; abandoned here = abandoned calls whose "
    "last node was this one",
    "transfers": "transfer attempts by hotline, and how each ended (Twilio's DialCallStatus)",
    "after_hours": "callers who reached a hotline while it was closed, and the messages left in the period",
    "funnel": "calls; calls that reached the main menu; calls that reached guidance or a hotline (open or "
    "closed); calls helped (contained, transferred or message left)",
    "time_to_topic": "median seconds from the start of a call to the first guidance it heard (calls that heard any)",
}


@dataclass(frozen=True)
class MenuFigures:
    """One menu (or guidance node) of the tree: how callers fared there."""

    node: str
    title: str
    kind: str
    entries: int = 0
    callers: int = 0
    inputs: int = 0
    no_inputs: int = 0
    no_matches: int = 0
    fallbacks: int = 0
    abandoned_here: int = 0

    @property
    def no_input_rate(self) -> float | None:
        return _rate(self.no_inputs, self.no_inputs + self.inputs)

    @property
    def no_match_rate(self) -> float | None:
        return _rate(self.no_matches, self.inputs)

    @property
    def drop_off_rate(self) -> float | None:
        return _rate(self.abandoned_here, self.callers)

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "no_input_rate": self.no_input_rate,
            "no_match_rate": self.no_match_rate,
            "drop_off_rate": self.drop_off_rate,
        }


@dataclass(frozen=True)
class Figures:
    """Everything the report says about one period [since, until)."""

    since: datetime
    until: datetime
    calls: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    keypad_inputs: int = 0
    speech_inputs: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    topics: dict[str, int] = field(default_factory=dict)  # node id → calls, most asked first
    menus: tuple[MenuFigures, ...] = ()
    transfers: dict[str, dict[str, int]] = field(default_factory=dict)  # hotline → DialCallStatus → count
    transfer_attempts: dict[str, int] = field(default_factory=dict)  # hotline → dials
    after_hours_attempts: int = 0
    after_hours_by_hotline: dict[str, int] = field(default_factory=dict)
    messages_left: int = 0
    median_seconds_to_topic: float | None = None
    edges: dict[tuple[str, str], int] = field(default_factory=dict)  # (from node, to node) → transitions
    funnel: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FUNNEL, 0))

    @property
    def containment(self) -> float | None:
        return _rate(self.outcomes.get("contained", 0), self.calls)

    @property
    def keypad_share(self) -> float | None:
        return _rate(self.keypad_inputs, self.keypad_inputs + self.speech_inputs)

    def menu(self, node: str) -> MenuFigures | None:
        return next((m for m in self.menus if m.node == node), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "calls": self.calls,
            "languages": self.languages,
            "inputs": {"keypad": self.keypad_inputs, "speech": self.speech_inputs, "keypad_share": self.keypad_share},
            "outcomes": self.outcomes,
            "containment": self.containment,
            "topics": self.topics,
            "menus": [m.to_dict() for m in self.menus],
            "transfers": {
                h: {"attempts": self.transfer_attempts.get(h, 0), "outcomes": self.transfers.get(h, {})}
                for h in sorted(set(self.transfers) | set(self.transfer_attempts))
            },
            "after_hours": {
                "attempts": self.after_hours_attempts,
                "by_hotline": self.after_hours_by_hotline,
                "messages_left": self.messages_left,
            },
            "median_seconds_to_topic": self.median_seconds_to_topic,
            "funnel": self.funnel,
            "edges": [{"from": a, "to": b, "calls": n} for (a, b), n in sorted(self.edges.items())],
        }


@dataclass(frozen=True)
class Report:
    """A period's figures with the previous period of equal length beside them."""

    menu_file: str
    current: Figures
    previous: Figures
    titles: dict[str, str] = field(default_factory=dict)  # node id → title, for people
    hotline_names: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "menu": self.menu_file,
            "current": self.current.to_dict(),
            "previous": self.previous.to_dict(),
            "definitions": DEFINITIONS,
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
