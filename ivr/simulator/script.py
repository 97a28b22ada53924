"""The caller's mini-language, shared by ``ivr simulate --script`` and the interactive prompt.

One string describes what the caller does, in order::

    1 2 wait say 退款 dial:busy
    12#  say "I want a refund" 0.8  silence  dial:answered:90  hangup

* ``1``, ``12#`` -- press keys (0-9, *, #), one after another;
* ``wait`` / ``silence`` / ``timeout`` -- stay silent until the verb times out;
* ``say WORDS [CONFIDENCE]`` -- speak (quote several words); an optional number such as
  ``0.8`` is the recogniser's confidence (default 0.9);
* ``dial:OUTCOME[:SECONDS]`` -- how a waiting ``<Dial>`` ends: ``answered``/``completed``,
  ``busy``, ``no-answer``, ``failed``, ``canceled``; SECONDS is the talk time;
* ``hangup`` -- hang up.

Tokens are split like a shell does (``shlex``), so quotes group words.
"""

from __future__ import annotations

import re
import shlex

from ivr.simulator.caller import DTMF_KEYS, CallerAction, DialOutcome, HangUp, Press, Silence, Speak

_CONFIDENCE = re.compile(r"^(0(\.\d+)?|1(\.0+)?)$")
SILENCE_WORDS = frozenset(["wait", "silence", "timeout"])


class ScriptError(ValueError):
    """The script has a token the caller cannot perform."""


def parse_script(text: str) -> list[CallerAction]:
    """Turn a caller script into the actions it describes, in order."""
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise ScriptError(f"cannot read the script: {exc}") from None
    actions: list[CallerAction] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        lowered = token.lower()
        index += 1
        if token and all(ch in DTMF_KEYS for ch in token):
            actions.extend(Press(key) for key in token)
        elif lowered in SILENCE_WORDS:
            actions.append(Silence())
        elif lowered == "hangup":
            actions.append(HangUp())
        elif lowered == "say":
            if index >= len(tokens):
                raise ScriptError("'say' needs the words to say, e.g. say 退款 or say \"I want a refund\"")
            words = tokens[index]
            index += 1
            confidence = 0.9
            if index < len(tokens) and is_confidence(tokens[index]):
                confidence = float(tokens[index])
                index += 1
            actions.append(Speak(words, confidence))
        elif lowered.startswith("dial:"):
            actions.append(_dial(lowered))
        else:
            raise ScriptError(
                f"unknown step {token!r}: use keys (1, 12#), wait, say WORDS [0.8], dial:busy, dial:answered:60, hangup"
            )
    return actions


def is_confidence(token: str) -> bool:
    """A recogniser confidence as written after ``say`` words: 0-1 with a decimal point (``0.8``, ``1.0``)."""
    return bool(_CONFIDENCE.match(token)) and "." in token


def _dial(token: str) -> DialOutcome:
    parts = token.split(":")
    status = parts[1] if len(parts) > 1 else ""
    status = {"no_answer": "no-answer", "noanswer": "no-answer", "cancelled": "canceled"}.get(status, status)
    duration = None
    if len(parts) > 2:
        if not parts[2].isdigit():
            raise ScriptError(f"{token!r}: the talk time after the outcome must be whole seconds")
        duration = int(parts[2])
    try:
        return DialOutcome(status, duration)
    except ValueError as exc:
        raise ScriptError(f"{token!r}: {exc}") from None
