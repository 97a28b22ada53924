"""What every section reader of a menu file shares: where problems go, and the generic shapes.

A ``Reading`` is one pass over one file. The section readers (the ``read_*`` modules beside this
one, called in order by ``ivr.menu.loader.read``) are functions that take it: they report into its
diagnostics, read texts in the languages it has learned, and leave in it what the validator needs
besides the tree (the nodes and hotlines that were broken, the lines of the top-level refs).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from ivr.menu.diagnostics import Diagnostic, closest, did_you_mean
from ivr.menu.fields import Shape, string_of
from ivr.menu.model import Source, Text, Words
from ivr.menu.yaml_source import LocatedDict

VALID_KEYS = frozenset("0123456789*#")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")  # BCP 47, roughly: zh-CN, en-US, yue-Hant-HK

# The shapes of the values read by the methods below, for ``ivr schema`` (see ivr.menu.fields).
ID_SHAPE: Shape = string_of(ID_PATTERN.pattern)
LANGUAGE_SHAPE: Shape = string_of(f"^{LANGUAGE_TAG.pattern}$")
TEXT_SHAPE: Shape = {  # Reading.text: one text per language (a bare text only when the file has one language)
    "anyOf": [
        string_of(),
        {
            "type": "object",
            "propertyNames": LANGUAGE_SHAPE,
            "additionalProperties": {"type": "string", "minLength": 1},
            "minProperties": 1,
        },
    ]
}
WORD_LIST_SHAPE: Shape = {"type": "array", "items": {"type": ["string", "integer"]}}
WORDS_SHAPE: Shape = {  # Reading.words: a list of words per language
    "type": "object",
    "propertyNames": LANGUAGE_SHAPE,
    "additionalProperties": {"anyOf": [WORD_LIST_SHAPE, {"type": ["string", "integer"]}]},
}
KEY_SHAPE: Shape = {  # Reading.key: one phone key; a digit may be written without quotes
    "anyOf": [{"enum": sorted(VALID_KEYS)}, {"type": "integer", "minimum": 0, "maximum": 9}]
}


_WORD_TYPES = (str, int)  # a tuple, not ``str | int``: that builds a new union object at every item


class Reading:
    """One pass over one file: the problems found so far, the declared languages, and notes for the validator."""

    def __init__(self, file: str):
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self.langs: tuple[str, ...] = ()  # set by read_languages; every text is checked against it
        self.broken_nodes: set[str] = set()
        self.broken_hotlines: set[str] = set()
        self.ref_lines: dict[str, int] = {}  # where entry, main_menu, help and the defaults fallback are written
        # (id of a mapping, field name) for each required field reported as misspelt: its "missing"
        # error would be the same mistake told twice.
        self._misspelt: set[tuple[int, str]] = set()

    # -- reporting -------------------------------------------------------------------------

    def src(self, line: int) -> Source:
        return Source(self.file, line)

    def error(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.src(line), "error", message))

    def warning(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.src(line), "warning", message))

    def missing(self, data: LocatedDict, key: str, line: int, message: str) -> None:
        """Report that ``data`` lacks the field ``key``, unless a misspelling of it ("promt") was reported:
        one mistake, one error."""
        if not self.misspelt(data, key):
            self.error(line, message)

    def misspelt(self, data: LocatedDict, key: str) -> bool:
        """Whether an unknown field of ``data`` was reported as a misspelling of ``key``."""
        return (id(data), key) in self._misspelt

    @staticmethod
    def lines(data: LocatedDict) -> Mapping[str, int]:
        """The line of each field of ``data``, for the model (read-only, not copied)."""
        return MappingProxyType(data.key_lines)

    # -- generic shapes --------------------------------------------------------------------

    def section(self, parent: LocatedDict, key: str, what: str, required: bool = True) -> LocatedDict | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.missing(parent, key, parent.line, f"{what} is missing the '{key}' section")
            return None
        if not isinstance(value, LocatedDict):
            self.error(parent.line_of(key), f"'{key}' must be a set of 'name: value' lines")
            return None
        return value

    def fields(self, data: LocatedDict, allowed: Iterable[str], what: str) -> None:
        """Unknown field names are almost always typos: say so, with the closest known name."""
        if not isinstance(allowed, dict | set | frozenset):
            allowed = tuple(allowed)
        unknown = [key for key in data if key not in allowed]  # by hash when it can: most fields are known
        if not unknown:
            return
        allowed = tuple(allowed)
        for key in unknown:
            meant = closest(str(key), allowed)
            if meant is not None and meant not in data:
                self._misspelt.add((id(data), meant))
            hint = f" (did you mean '{meant}'?)" if meant else ""
            self.error(data.line_of(key), f"{what} has an unknown field '{key}'{hint}")

    def integer(self, data: LocatedDict, key: str, low: int, high: int, default: int | None = None) -> int:
        value = data.get(key, default)
        if value is None:
            self.missing(data, key, data.line, f"'{key}' is missing (a whole number from {low} to {high})")
            return low
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.error(data.line_of(key), f"'{key}' must be a whole number from {low} to {high}, not {value!r}")
            return default if default is not None else low
        return value

    def text(
        self, value: Any, line: int, what: str, langs: Iterable[str] | None = None, placeholders=None
    ) -> Text | None:
        """A per-language text; every declared language must be there, non-empty."""
        langs = tuple(self.langs if langs is None else langs)
        if isinstance(value, str):
            if len(langs) == 1:
                value = {langs[0]: value}
            else:
                self.error(line, f"{what} must be written once per language ({', '.join(langs)})")
                return None
        if not isinstance(value, LocatedDict) and not isinstance(value, dict):
            self.error(line, f"{what} must be written once per language ({', '.join(langs)})")
            return None
        result: dict[str, str] = {}
        key_line = value.line_of if isinstance(value, LocatedDict) else (lambda _k: line)
        for lang, words in value.items():
            if lang not in self.langs and words is None and not LANGUAGE_TAG.fullmatch(str(lang)):
                # {en-US: Have your order number, and your card, ready.} reads as en-US plus two keys
                # without values: YAML splits unquoted text at each comma.
                self.error(
                    key_line(lang),
                    f"{what} has a stray '{lang}': a comma in unquoted text splits it; put the whole text in"
                    ' double quotes ("…")',
                )
                continue
            if lang not in self.langs:
                self.error(
                    key_line(lang),
                    f"{what} is written in '{lang}', which is not a declared language"
                    f"{did_you_mean(str(lang), self.langs)}",
                )
                continue
            if not isinstance(words, str) or not words.strip():
                self.error(key_line(lang), f"{what} in {lang} must be non-empty text")
                continue
            result[lang] = " ".join(words.split())
            if placeholders is not None:
                self.placeholders(result[lang], placeholders, key_line(lang), f"{what} in {lang}")
        for lang in langs:
            if lang not in value:
                self.error(line, f"{what} is missing its {lang} text")
        # ``result`` is this call's own dict: read-only in place, not copied as frozen_map would
        return Text(MappingProxyType(result), self.src(line)) if result else None

    def placeholders(self, text: str, allowed: frozenset[str], line: int, what: str) -> None:
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as exc:
            self.error(line, f"{what} has a broken {{placeholder}}: {exc} (write {{{{ or }}}} for a brace)")
            return
        for name in sorted(names - allowed):
            hint = ", ".join("{" + a + "}" for a in sorted(allowed)) or "none"
            self.error(line, f"{what} uses {{{name}}}, which is not available here (available: {hint})")

    def words(self, value: Any, line: int, what: str, count: int | None = None) -> Words | None:
        if not isinstance(value, dict):
            self.error(line, f"{what} must be a list of words per language")
            return None
        key_line = value.line_of if isinstance(value, LocatedDict) else (lambda _k: line)
        result: dict[str, tuple[str, ...]] = {}
        for lang, items in value.items():
            if lang not in self.langs:
                self.error(key_line(lang), f"{what} names '{lang}', which is not a declared language")
                continue
            if isinstance(items, str):
                items = [items]
            if not isinstance(items, list) or not all(isinstance(i, _WORD_TYPES) for i in items):
                self.error(key_line(lang), f"{what} in {lang} must be a list of words")
                continue
            if count is not None and len(items) != count:
                self.error(key_line(lang), f"{what} in {lang} must list exactly {count} words, not {len(items)}")
                continue
            result[lang] = tuple(map(str, items))
        return Words(MappingProxyType(result), self.src(line))

    def key(self, value: Any, line: int, what: str) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or len(value) != 1 or value not in VALID_KEYS:
            self.error(line, f"{what} must be one phone key, 0-9, * or # (in quotes), not {value!r}")
            return None
        return value
