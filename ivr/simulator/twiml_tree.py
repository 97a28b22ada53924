"""The parsed TwiML document: line-numbered elements, and the problems Twilio would log about it.

Shared by the schema check (:mod:`.twiml_schema`), the value check (:mod:`.value_checks`) and
the interpreter, so none of them needs another to know what a node is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Problem:
    """One thing Twilio would log about a document: its code, severity, line and message."""

    code: int
    severity: str  # "error" (Twilio cannot run the document) or "warning" (it runs what it can)
    line: int
    message: str
    column: int | None = None
    element: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column is not None else "")
        return f"{self.severity.upper()} {self.code} ({where}): {self.message}"

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON transcripts."""
        return {
            "code": self.code,
            "severity": self.severity,
            "line": self.line,
            "column": self.column,
            "element": self.element,
            "message": self.message,
        }


class TextRun(str):
    """Text between elements, remembering the line it started on (for problem reports)."""

    line: int

    def __new__(cls, value: str, line: int) -> TextRun:
        run = super().__new__(cls, value)
        run.line = line
        return run


@dataclass
class Node:
    """One TwiML element with the line it started on; ``children`` mixes text and elements."""

    tag: str
    attrs: dict[str, str]
    line: int
    column: int
    children: list[Node | str] = field(default_factory=list)

    def elements(self) -> list[Node]:
        """The child elements, without the text between them."""
        return [c for c in self.children if isinstance(c, Node)]

    def iter_text(self) -> Iterator[str]:
        """All text inside this element, SSML tags stripped, in document order."""
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield from child.iter_text()

    @cached_property
    def text(self) -> str:
        """The element's text with runs of whitespace collapsed, as a voice would read it.

        Worked out once: a parsed document is not changed after parsing (the same tree serves
        every call that fetched the same body, :mod:`.fetching`)."""
        return " ".join("".join(self.iter_text()).split())


@dataclass
class ParsedTwiML:
    """The result of parsing: the ``<Response>`` tree (None on a 12100) and every problem."""

    root: Node | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop Twilio from running the document."""
        return [p for p in self.problems if p.severity == "error"]
