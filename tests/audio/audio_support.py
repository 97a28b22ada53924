"""Helpers of the audio tests."""

from __future__ import annotations

import pytest

import ivr.call.utterances


def keep_first_utterances(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    """Only the menu's first ``count`` texts are rendered (real espeak-ng is slow): a test file's
    autouse fixture calls it, so a build stays a few seconds."""
    every = ivr.call.utterances.all_utterances
    monkeypatch.setattr(ivr.call.utterances, "all_utterances", lambda tree: every(tree)[:count])
