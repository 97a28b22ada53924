"""Problems found in a menu file, phrased for the person who edits it.

Every problem names the file and line to change, so ``ivr validate`` output reads like a
compiler's: ``menus/wallet.yaml:42: error: option '3' targets 'refundz', which is not a node
(did you mean 'refunds'?)``. Errors stop a tree from being served; warnings do not.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ivr.menu.model import Source

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    source: Source
    severity: Severity
    message: str
    # What follows from this problem and is not a problem of its own ("…and 7 nodes below it can't be
    # reached until this is fixed"): shown under it, so one mistake reads as one error.
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "\n".join([f"{self.source}: {self.severity}: {self.message}", *(f"  note: {n}" for n in self.notes)])

    def with_note(self, note: str) -> Diagnostic:
        return Diagnostic(self.source, self.severity, self.message, (*self.notes, note))


class ConfigError(Exception):
    """A menu file that cannot be served; carries every problem found, not just the first."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = sorted(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        super().__init__("\n".join(str(d) for d in errors) or "invalid menu file")

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The known name ``word`` is most likely a typo of, if any is close enough."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'refunds'?)`` when a close match exists, else an empty string."""
    close = closest(word, choices)
    return f" (did you mean '{close}'?)" if close else ""
