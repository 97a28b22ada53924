"""Shared fixtures for the audio tests: the example menu's languages (its real espeak-ng voices)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from ivr.menu.loader import load_tree
from ivr.menu.model import Language

sys.path.insert(0, str(Path(__file__).resolve().parent))  # audio_support, for the test modules (as tests/store does)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_MENU = ROOT / "menus" / "examples" / "minimal.yaml"


@pytest.fixture(scope="session")
def languages() -> Mapping[str, Language]:
    """zh-CN (sit/cmn-latn-pinyin, 150 wpm) and en-US (gmw/en-us, 160 wpm), as the example menu declares them."""
    return load_tree(EXAMPLE_MENU).languages
