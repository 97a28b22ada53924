"""Twilio's published tables, loaded from the JSON files in ``ivr/simulator/data``.

Which voices ``<Say>`` accepts and the languages they speak (``voices.json``), which languages
``<Gather>`` recognizes (``speech_languages.json``), and the error codes with their pages and
documented limits (``twilio_errors.json``).  Each file names the Twilio page it was read from and
the date; when Twilio changes a table, update the file -- no code changes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


def _load(name: str) -> dict[str, Any]:
    return json.loads(resources.files("ivr.simulator").joinpath("data", name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Voices:
    """The ``<Say voice>`` values Twilio documents, each with the languages it speaks."""

    named: dict[str, frozenset[str]]  # man, woman, alice and every Polly voice
    google_pattern: re.Pattern[str]
    google_locales: frozenset[str]

    def languages(self, voice: str) -> frozenset[str] | None:
        """The languages ``voice`` speaks, or None if Twilio has no such voice."""
        if voice in self.named:
            return self.named[voice]
        match = self.google_pattern.match(voice)
        if match and match["locale"] in self.google_locales:
            return frozenset([match["locale"]])
        return None


@cache
def voices() -> Voices:
    """The voice table (read once)."""
    data = _load("voices.json")
    named = {name: frozenset(langs) for name, langs in data["basic"].items()}
    named["alice"] = frozenset(data["alice"])
    named.update({name: frozenset(langs) for name, langs in data["polly"].items()})
    google = data["google"]
    return Voices(named, re.compile(google["pattern"]), frozenset(google["locales"]))


@cache
def speech_languages() -> frozenset[str]:
    """The ``<Gather language>`` values Twilio's speech recognition accepts."""
    return frozenset(_load("speech_languages.json")["languages"])


@cache
def speech_scripts() -> dict[str, str]:
    """Which writing system a recognizer in each non-Latin language produces (``han``, ...)."""
    return dict(_load("speech_languages.json")["scripts"])


@cache
def _errors() -> dict[str, Any]:
    return _load("twilio_errors.json")


def limit(name: str) -> Any:
    """A documented limit from ``twilio_errors.json`` (e.g. ``max_response_bytes``)."""
    return _errors()["limits"][name]


def error_title(code: int) -> str:
    """Twilio's title for ``code``, for messages (``"Say: Invalid voice value"``)."""
    return str(_errors()["codes"][str(code)]["title"])


def error_url(code: int) -> str:
    """The page that documents ``code``."""
    return str(_errors()["codes"][str(code)]["url"])
