"""Build progress on stderr: a redrawn bar on a terminal, a plain line every few seconds in logs and CI.

stderr, so that ``ivr audio build`` output that scripts read (the summary on stdout) stays clean; a bar
only on a TTY, because carriage-return redraws turn a CI log into one enormous line.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 30
REDRAW_SECONDS = 0.1  # a terminal bar: at most ten redraws a second
LINE_SECONDS = 5.0  # a log: one line every five seconds


class Progress:
    """Counts finished items out of ``total`` and shows it; does nothing when disabled."""

    def __init__(self, total: int, label: str = "audio", enabled: bool = True, stream: TextIO | None = None):
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and total > 0
        self.tty = self.enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self.started = time.monotonic()
        self._last_shown = float("-inf")

    def advance(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_shown >= (REDRAW_SECONDS if self.tty else LINE_SECONDS) or self.done >= self.total:
            self._last_shown = now
            self._show(now)

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _show(self, now: float) -> None:
        elapsed = now - self.started
        if self.tty:
            filled = BAR_WIDTH * self.done // self.total
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} {elapsed:5.1f}s")
        else:
            self.stream.write(f"{self.label}: {self.done}/{self.total} rendered ({elapsed:.1f}s)\n")
        self.stream.flush()
