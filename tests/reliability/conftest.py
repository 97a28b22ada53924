"""Fixtures of the reliability suite; the helpers live in ``reliability_support`` beside this file.

Long fuzzing mode: ``IVR_FUZZ_EXAMPLES=10000 .venv/bin/pytest tests/reliability -k fuzz`` (the
terminal summary says how many requests each fuzz test sent).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The helpers live next to this file; make them importable under any --import-mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability_support import DEFAULT_EXAMPLES, LONG_MODE, SENT, ErrorLog


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SENT:
        mode = "long mode" if LONG_MODE else f"CI mode, {DEFAULT_EXAMPLES} examples; IVR_FUZZ_EXAMPLES=N for more"
        terminalreporter.write_line(f"fuzzed webhook requests ({mode}):")
        for name, count in sorted(SENT.items()):
            terminalreporter.write_line(f"  {name}: {count:,}")


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    """ERROR records of the ``ivr`` loggers during the test."""
    handler = ErrorLog()
    logger = logging.getLogger("ivr")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
