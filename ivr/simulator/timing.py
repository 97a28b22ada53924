"""Simulated time: how long what the caller hears and does is taken to last.

The simulator cannot know real audio lengths, so the call's clock (seconds since it was
answered) advances by these estimates; they feed ``CallDuration`` and the call-length guard.
"""

from __future__ import annotations

import re
from functools import lru_cache

PLAY_SECONDS_ESTIMATE = 3.0
KEY_PRESS_SECONDS = 0.3
RING_SECONDS = 5.0
DEFAULT_TALK_SECONDS = 60
BEEP_SECONDS = 0.5
END_OF_SPEECH_SECONDS = 1.0  # Twilio's end-of-speech detection after the caller stops talking

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9']+")


@lru_cache(maxsize=8192)
def speech_seconds(text: str) -> float:
    """Rough spoken length of ``text``: ~4.5 CJK characters or ~2.5 words a second."""
    return round(0.3 + 0.22 * len(_CJK.findall(text)) + 0.4 * len(_WORD.findall(text)), 2)
