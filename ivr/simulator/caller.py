"""What the simulated caller can do, and what the call can be waiting for.

The engine runs a call until it needs the person on the phone, then stops in a
:class:`Waiting` state; the driver (a test, the CLI, later the path explorer) answers with one
:class:`CallerAction`.  Keeping these as plain data is what lets one engine serve all three
drivers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DTMF_KEYS = frozenset("0123456789*#")

#: Outcomes of a dialled call, as Twilio reports them in ``DialCallStatus``
#: (https://www.twilio.com/docs/voice/twiml/dial#dialcallstatus-values).  ``answered`` is
#: accepted as a synonym of ``completed`` (the dialled party picked up, talked, hung up).
DIAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")


@dataclass(frozen=True)
class Press:
    """The caller presses one key (0-9, * or #).

    ``barge_in`` means the key is pressed while a prompt nested in ``<Gather>`` is still
    playing, which cuts the prompt short; otherwise the caller listened to it first.
    ``during`` says which nested prompt was playing (0, the first, unless a driver that plays
    the prompts in real time, like the browser phone, knows better): the ones before it were
    heard whole, the ones after it never start.
    """

    key: str
    barge_in: bool = False
    during: int = 0

    def __post_init__(self) -> None:
        if self.key not in DTMF_KEYS:
            raise ValueError(f"{self.key!r} is not a phone key (0-9, * or #)")


@dataclass(frozen=True)
class Speak:
    """The caller says something; the simulator plays speech recogniser and returns ``text``.

    ``seconds`` is how long the caller spoke when a driver measured it (a real microphone
    recording); otherwise it is estimated from ``text``. ``barge_in`` and ``during`` as for
    :class:`Press`.
    """

    text: str
    confidence: float = 0.9
    barge_in: bool = False
    during: int = 0
    seconds: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be between 0 and 1, not {self.confidence}")
        if self.seconds is not None and not 0.0 < self.seconds <= 4 * 3600:
            raise ValueError(f"a caller speaks for more than 0 seconds and at most 4 hours, not {self.seconds}")


@dataclass(frozen=True)
class Silence:
    """The caller does nothing until the verb's timeout passes."""


@dataclass(frozen=True)
class HangUp:
    """The caller hangs up."""


@dataclass(frozen=True)
class DialOutcome:
    """How the dialled party answered a waiting ``<Dial>``; ``duration`` is talk time in seconds."""

    status: str
    duration: int | None = None

    def __post_init__(self) -> None:
        if self.status == "answered":
            object.__setattr__(self, "status", "completed")
        if self.status not in DIAL_STATUSES:
            raise ValueError(f"dial outcome must be one of {', '.join(DIAL_STATUSES)}, not {self.status!r}")


CallerAction = Press | Speak | Silence | HangUp | DialOutcome

#: Which actions make sense while the call waits for each thing.
ACCEPTS: dict[str, tuple[type, ...]] = {
    "gather": (Press, Speak, Silence, HangUp),
    "record": (Press, Speak, Silence, HangUp),
    "dial": (DialOutcome, HangUp),
}


@dataclass(frozen=True)
class Waiting:
    """The call is paused until the caller acts: ``kind`` is ``gather``, ``record`` or ``dial``."""

    kind: str
    details: dict[str, Any] = field(default_factory=dict)

    def accepts(self, action: CallerAction) -> bool:
        """Whether ``action`` is something the caller can do now."""
        return isinstance(action, ACCEPTS[self.kind])


@dataclass(frozen=True)
class Ended:
    """The call is over: why, the final ``CallStatus``, and whether anything went wrong."""

    reason: str
    status: str
    duration: float
    clean: bool


CallState = Waiting | Ended
