"""Turns a menu file into a ``Tree``, collecting every problem instead of stopping at the first.

The loader is deliberately lenient while it reads: a broken option or node is reported and
skipped, and reading goes on, so one ``ivr validate`` run shows an editor all their typos at
once. Structural problems (wrong types, unknown fields, missing languages, malformed hours,
undialable numbers) are found here; problems about the tree as a graph are found by
``ivr.menu.validator`` on the model this produces.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ivr.menu.diagnostics import ConfigError, Diagnostic, did_you_mean
from ivr.menu.model import (
    GLOBAL_ACTIONS,
    SITUATION_KEYS,
    Defaults,
    GoodbyeNode,
    Hotline,
    Hours,
    InfoNode,
    Keys,
    Language,
    LanguageNode,
    LanguageOption,
    MenuNode,
    Node,
    Option,
    Reprompts,
    Source,
    Text,
    TimeRange,
    TransferNode,
    Tree,
    Words,
    frozen_map,
)
from ivr.menu.validator import validate
from ivr.menu.yaml_source import LocatedDict, LocatedList, load_yaml

VALID_KEYS = frozenset("0123456789*#")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")  # BCP 47, roughly: zh-CN, en-US, yue-Hant-HK
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OPTION_ACTIONS = ("repeat", "back", "main", "help", "end_call")

# Every message the service says in its own words, and the placeholders each one may use.
MESSAGES: dict[str, frozenset[str]] = {
    "option": frozenset({"label", "key"}),
    "action_option": frozenset({"label", "key"}),
    "global_keys": frozenset({"repeat", "back", "help", "end_call"}),
    "transfer_tip": frozenset({"hotline"}),
    "connecting": frozenset({"hotline"}),
    "closed": frozenset({"hotline", "hours"}),
    "next_open": frozenset({"day", "time"}),
    "today": frozenset(),
    "tomorrow": frozenset(),
    "day_range": frozenset({"first", "last"}),
    "hours_span": frozenset({"days", "start", "end"}),
    "hours_all_day": frozenset({"days"}),
    "hours_separator": frozenset(),
    "time": frozenset({"hour", "hour12", "ampm"}),
    "time_minutes": frozenset({"hour", "hour12", "minute", "ampm"}),
    "am": frozenset(),
    "pm": frozenset(),
    "number_readout": frozenset({"hotline", "number"}),
    "dial_busy": frozenset({"hotline"}),
    "dial_no_answer": frozenset({"hotline"}),
    "dial_failed": frozenset({"hotline"}),
    "record_prompt": frozenset({"seconds"}),
    "record_thanks": frozenset(),
    "goodbye": frozenset(),
    "error_apology": frozenset(),
    "label_repeat": frozenset(),
    "label_back": frozenset(),
    "label_main": frozenset(),
    "label_help": frozenset(),
    "label_end_call": frozenset(),
    "label_leave_message": frozenset(),
    "label_retry": frozenset(),
    "label_hear_number": frozenset(),
}
# Lists of words per language: day names (Monday first), and what callers say for the global keys.
WORDS: dict[str, int | None] = {
    "days": 7,
    "repeat": None,
    "back": None,
    "main": None,
    "help": None,
    "end_call": None,
    "leave_message": None,
    "retry": None,
    "hear_number": None,
}


def load_tree(path: str | Path) -> Tree:
    """Load and fully validate a menu file; raise ``ConfigError`` listing every error."""
    tree, diagnostics = check_file(path)
    if tree is None or any(d.severity == "error" for d in diagnostics):
        raise ConfigError(diagnostics)
    return tree


def check_file(path: str | Path) -> tuple[Tree | None, list[Diagnostic]]:
    """Read a menu file and run every check; return the tree (if it could be built) and all problems.

    The cyclic garbage collector is paused meanwhile: reading builds hundreds of thousands of small
    objects that all stay alive, and each automatic collection walks all of them again, which made
    a 10,000-node file take more than twice as long (quadratic growth). It resumes (if it was on)
    when the check ends and then collects whatever cycles were made meanwhile.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _check_file(path)
    finally:
        if paused:
            gc.enable()


def _check_file(path: str | Path) -> tuple[Tree | None, list[Diagnostic]]:

    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Diagnostic(Source(file, 1), "error", "no such file")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Diagnostic(Source(file, 1), "error", f"cannot read the file: {exc}")]
    reader = _Reader(file)
    tree = reader.read(text)
    diagnostics = list(reader.diagnostics)
    if tree is not None:
        diagnostics.extend(
            validate(
                tree,
                broken_nodes=reader.broken_nodes,
                broken_hotlines=reader.broken_hotlines,
                ref_lines=reader.ref_lines,
            )
        )
    return tree, sorted(set(diagnostics))


class _Reader:
    """One pass over one file: converts sections to model values and records problems."""

    def __init__(self, file: str):
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self.langs: tuple[str, ...] = ()
        self.broken_nodes: set[str] = set()
        self.broken_hotlines: set[str] = set()
        self.ref_lines: dict[str, int] = {}  # where entry, main_menu, help and the defaults fallback are written

    # -- reporting -------------------------------------------------------------------------

    def src(self, line: int) -> Source:
        return Source(self.file, line)

    def error(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.src(line), "error", message))

    def warning(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.src(line), "warning", message))

    # -- generic shapes --------------------------------------------------------------------

    def section(self, parent: LocatedDict, key: str, what: str, required: bool = True) -> LocatedDict | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.error(parent.line, f"{what} is missing the '{key}' section")
            return None
        if not isinstance(value, LocatedDict):
            self.error(parent.line_of(key), f"'{key}' must be a set of 'name: value' lines")
            return None
        return value

    def fields(self, data: LocatedDict, allowed: Iterable[str], what: str) -> None:
        """Unknown field names are almost always typos: say so, with the closest known name."""
        allowed = tuple(allowed)
        for key in data:
            if key not in allowed:
                self.error(
                    data.line_of(key),
                    f"{what} has an unknown field '{key}'{did_you_mean(str(key), allowed)}",
                )

    def integer(self, data: LocatedDict, key: str, low: int, high: int, default: int | None = None) -> int:
        value = data.get(key, default)
        if value is None:
            self.error(data.line, f"'{key}' is missing (a whole number from {low} to {high})")
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
        return Text(frozen_map(result), self.src(line)) if result else None

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
            if not isinstance(items, list) or not all(isinstance(i, str | int) for i in items):
                self.error(key_line(lang), f"{what} in {lang} must be a list of words")
                continue
            if count is not None and len(items) != count:
                self.error(key_line(lang), f"{what} in {lang} must list exactly {count} words, not {len(items)}")
                continue
            result[lang] = tuple(str(i) for i in items)
        return Words(frozen_map(result), self.src(line))

    # -- the file --------------------------------------------------------------------------

    def read(self, text: str) -> Tree | None:
        data, problems = load_yaml(text, self.file)
        self.diagnostics.extend(problems)
        if data is None:
            if not problems:
                self.error(1, "the file is empty")
            return None
        if not isinstance(data, LocatedDict):
            self.error(getattr(data, "line", 1), "the file must be a set of sections (languages, nodes, …)")
            return None
        self.fields(
            data,
            (
                "languages",
                "default_language",
                "entry",
                "main_menu",
                "help",
                "defaults",
                "messages",
                "words",
                "key_names",
                "hotlines",
                "nodes",
            ),
            "the file",
        )
        languages = self.read_languages(data)
        if not languages:
            return None
        default_language = data.get("default_language", next(iter(languages)))
        if default_language not in languages:
            self.error(
                data.line_of("default_language"),
                f"default_language '{default_language}' is not a declared language"
                f"{did_you_mean(str(default_language), languages)}",
            )
            default_language = next(iter(languages))
        defaults = self.read_defaults(data)
        messages = self.read_messages(data)
        words = self.read_words(data)
        key_names = self.read_key_names(data)
        hotlines = self.read_hotlines(data)
        nodes = self.read_nodes(data)
        entry = self.node_ref(data, "entry", required=True)
        main_menu = self.node_ref(data, "main_menu", required=True)
        help_node = self.node_ref(data, "help", required=False)
        if defaults is None:
            return None
        return Tree(
            file=self.file,
            languages=frozen_map(languages),
            default_language=default_language,
            defaults=defaults,
            messages=frozen_map(messages),
            words=frozen_map(words),
            key_names=frozen_map(key_names),
            hotlines=frozen_map(hotlines),
            nodes=frozen_map(nodes),
            entry=entry or "",
            main_menu=main_menu or "",
            help=help_node,
        )

    def node_ref(self, data: LocatedDict, key: str, required: bool) -> str | None:
        value = data.get(key)
        if key in data:
            self.ref_lines[key] = data.line_of(key)
        if value is None:
            if required:
                self.error(data.line, f"'{key}' is missing: name the node it leads to")
            return None
        if not isinstance(value, str):
            self.error(data.line_of(key), f"'{key}' must be a node id")
            return None
        return value

    def read_languages(self, data: LocatedDict) -> dict[str, Language]:
        section = self.section(data, "languages", "the file")
        if section is None:
            return {}
        self.langs = tuple(str(k) for k in section)
        result: dict[str, Language] = {}
        for code, spec in section.items():
            line = section.line_of(code)
            if not isinstance(spec, LocatedDict):
                self.error(line, f"language '{code}' must have name, say, speech and tts settings")
                continue
            what = f"language '{code}'"
            self.fields(spec, ("name", "say", "speech", "tts"), what)
            say = self.section(spec, "say", what) or LocatedDict()
            tts = self.section(spec, "tts", what) or LocatedDict()
            for sub, allowed in ((say, ("voice", "language")), (tts, ("voice", "rate"))):
                if isinstance(sub, LocatedDict) and hasattr(sub, "line"):
                    self.fields(sub, allowed, what)
            values = {
                "name": spec.get("name"),
                "say voice": say.get("voice"),
                "say language": say.get("language"),
                "speech": spec.get("speech"),
                "tts voice": tts.get("voice"),
            }
            missing = [k for k, v in values.items() if not isinstance(v, str) or not v.strip()]
            for name in missing:
                self.error(line, f"{what} is missing its '{name}' setting")
            if missing:
                continue
            rate = self.integer(tts, "rate", 60, 400, default=160) if hasattr(tts, "line") else 160
            result[str(code)] = Language(
                code=str(code),
                name=values["name"],
                say_voice=values["say voice"],
                say_language=values["say language"],
                speech_language=values["speech"],
                tts_voice=values["tts voice"],
                tts_rate=rate,
                source=self.src(line),
            )
        if not result and not any(d.severity == "error" for d in self.diagnostics):
            self.error(section.line, "declare at least one language")
        return result

    def read_defaults(self, data: LocatedDict) -> Defaults | None:
        spec = self.section(data, "defaults", "the file")
        if spec is None:
            return None
        self.fields(
            spec,
            (
                "timeout",
                "max_no_input",
                "max_no_match",
                "speech",
                "min_confidence",
                "dial_timeout",
                "record_max_seconds",
                "keys",
                "reprompts",
                "fallback",
            ),
            "defaults",
        )
        speech = spec.get("speech", True)
        if not isinstance(speech, bool):
            self.error(spec.line_of("speech"), "'speech' must be true or false")
            speech = True
        confidence = spec.get("min_confidence", 0.5)
        if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
            self.error(spec.line_of("min_confidence"), "'min_confidence' must be a number from 0 to 1")
            confidence = 0.5
        fallback = spec.get("fallback")
        if "fallback" in spec:
            self.ref_lines["defaults fallback"] = spec.line_of("fallback")
        if fallback is not None and not isinstance(fallback, str):
            self.error(spec.line_of("fallback"), "'fallback' must be a node id")
            fallback = None
        return Defaults(
            timeout=self.integer(spec, "timeout", 1, 60, default=5),
            max_no_input=self.integer(spec, "max_no_input", 1, 10, default=3),
            max_no_match=self.integer(spec, "max_no_match", 1, 10, default=3),
            speech=speech,
            min_confidence=float(confidence),
            dial_timeout=self.integer(spec, "dial_timeout", 5, 600, default=30),
            record_max_seconds=self.integer(spec, "record_max_seconds", 5, 3600, default=120),
            keys=self.read_keys(spec),
            reprompts=self.read_reprompts(spec, "defaults"),
            fallback=fallback,
            source=self.src(spec.line),
        )

    def key(self, value: Any, line: int, what: str) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or len(value) != 1 or value not in VALID_KEYS:
            self.error(line, f"{what} must be one phone key, 0-9, * or # (in quotes), not {value!r}")
            return None
        return value

    def read_keys(self, spec: LocatedDict) -> Keys:
        keys = self.section(spec, "keys", "defaults")
        names = (*GLOBAL_ACTIONS, *SITUATION_KEYS)
        fallback = {"help": "0", "back": "*", "repeat": "8", "end_call": None, "leave_message": "1",
                    "retry": "1", "hear_number": "2"}  # fmt: skip
        if keys is None:
            return Keys(**fallback, source=self.src(spec.line))  # type: ignore[arg-type]
        self.fields(keys, names, "keys")
        chosen: dict[str, str | None] = {}
        for name in names:
            if name not in keys:
                if name == "end_call":
                    chosen[name] = None
                    continue
                self.error(keys.line, f"keys is missing '{name}'")
                chosen[name] = fallback[name]
                continue
            chosen[name] = self.key(keys[name], keys.line_of(name), f"key '{name}'") or fallback[name]
        seen: dict[str, str] = {}
        for name in GLOBAL_ACTIONS:
            key = chosen[name]
            if key is None:
                continue
            if key in seen:
                self.error(keys.line_of(name), f"key '{key}' is used for both '{seen[key]}' and '{name}'")
            seen[key] = name
        for name in SITUATION_KEYS:
            key = chosen[name]
            if key in seen:
                self.error(keys.line_of(name), f"key '{name}' ('{key}') clashes with the global key '{seen[key]}'")
        if chosen["retry"] == chosen["hear_number"]:
            self.error(keys.line_of("hear_number"), "keys 'retry' and 'hear_number' must differ")
        return Keys(**chosen, source=self.src(keys.line))  # type: ignore[arg-type]

    def read_reprompts(self, spec: LocatedDict, what: str) -> Reprompts:
        section = spec.get("reprompts")
        if section is None:
            return Reprompts()
        if not isinstance(section, LocatedDict):
            self.error(spec.line_of("reprompts"), f"{what} reprompts must have no_input and/or no_match lists")
            return Reprompts()
        self.fields(section, ("no_input", "no_match"), f"{what} reprompts")
        lists: dict[str, tuple[Text, ...]] = {}
        for kind in ("no_input", "no_match"):
            if kind not in section:
                continue  # one list alone is fine: the other kind keeps the defaults' (or none)
            items = section[kind]
            if not isinstance(items, LocatedList):
                self.error(section.line_of(kind), f"{what} reprompts '{kind}' must be a list, one per attempt")
                continue
            texts = []
            for index, item in enumerate(items):
                text = self.text(item, items.line_of(index), f"{what} reprompt {kind} #{index + 1}")
                if text:
                    texts.append(text)
            lists[kind] = tuple(texts)
        return Reprompts(**lists)

    def read_messages(self, data: LocatedDict) -> dict[str, Text]:
        section = self.section(data, "messages", "the file")
        if section is None:
            return {}
        self.fields(section, MESSAGES, "messages")
        result = {}
        for name, allowed in MESSAGES.items():
            if name not in section:
                self.error(section.line, f"messages is missing '{name}'")
                continue
            text = self.text(section[name], section.line_of(name), f"message '{name}'", placeholders=allowed)
            if text:
                result[name] = text
        return result

    def read_words(self, data: LocatedDict) -> dict[str, Words]:
        section = self.section(data, "words", "the file")
        if section is None:
            return {}
        self.fields(section, WORDS, "words")
        result = {}
        for name, count in WORDS.items():
            if name not in section:
                if count is not None:
                    self.error(section.line, f"words is missing '{name}'")
                continue
            found = self.words(section[name], section.line_of(name), f"words '{name}'", count)
            if found:
                if count is not None:
                    for lang in self.langs:
                        # A list that is there but wrong has had its error already.
                        if lang not in found.by_lang and lang not in section[name]:
                            self.error(section.line_of(name), f"words '{name}' is missing its {lang} list")
                result[name] = found
        return result

    def read_key_names(self, data: LocatedDict) -> dict[str, Text]:
        section = data.get("key_names")
        if section is None:
            self.error(data.line, "the file is missing 'key_names' (how '*' and '#' are said)")
            return {}
        if not isinstance(section, LocatedDict):
            self.error(data.line_of("key_names"), "'key_names' must map keys to how they are said")
            return {}
        result = {}
        for key, value in section.items():
            key_str = self.key(key, section.line_of(key), "each entry of key_names")
            if key_str:
                text = self.text(value, section.line_of(key), f"key name '{key_str}'")
                if text:
                    result[key_str] = text
        for key in "*#":
            if key not in result and not any(
                d.severity == "error" and "key_names" in d.message for d in self.diagnostics
            ):
                self.error(section.line, f"key_names is missing '{key}' (how the key is said)")
        return result

    # -- hotlines --------------------------------------------------------------------------

    def read_hotlines(self, data: LocatedDict) -> dict[str, Hotline]:
        section = self.section(data, "hotlines", "the file", required=False)
        if section is None:
            return {}
        result = {}
        for hotline_id, spec in section.items():
            line = section.line_of(hotline_id)
            what = f"hotline '{hotline_id}'"
            if not isinstance(hotline_id, str) or not ID_PATTERN.match(hotline_id):
                self.error(line, f"{what}: ids are lower-case letters, digits and '_', starting with a letter")
                continue
            if not isinstance(spec, LocatedDict):
                self.error(line, f"{what} must have a name, number and hours")
                self.broken_hotlines.add(hotline_id)
                continue
            self.fields(spec, ("name", "number", "spoken", "hours"), what)
            name = self.text(spec.get("name"), spec.line_of("name"), f"{what} name")
            number = self.dial_number(spec.get("number"), spec.line_of("number"), what)
            spoken = None
            if "spoken" in spec:
                spoken = self.text(spec["spoken"], spec.line_of("spoken"), f"{what} spoken number")
            hours = None
            if "hours" in spec:
                hours = self.read_hours(spec["hours"], spec.line_of("hours"), what)
            if name and number:
                result[hotline_id] = Hotline(
                    id=hotline_id,
                    name=name,
                    number=number,
                    number_display=str(spec["number"]),
                    spoken=spoken,
                    hours=hours,
                    source=self.src(line),
                )
            else:
                self.broken_hotlines.add(hotline_id)
        return result

    def dial_number(self, value: Any, line: int, what: str) -> str | None:
        """A number Twilio can <Dial>: digits with an optional leading '+', spaces and dashes allowed."""
        if value is None:
            self.error(line, f"{what} has no 'number'")
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            self.error(line, f'{what} number must be in quotes ("{value}"), or a leading 0 would be lost')
            return None
        if not isinstance(value, str):
            self.error(line, f'{what} number must be text like "400-606-5500"')
            return None
        text = unicodedata.normalize("NFKC", value).strip()
        compact = re.sub(r"[\s\-().]", "", text)
        if not re.fullmatch(r"\+?[0-9]+", compact):
            bad = sorted({c for c in compact if not (c.isdigit() or c == "+")})
            self.error(
                line,
                f"{what} number '{value}' cannot be dialed: it has {', '.join(repr(c) for c in bad)};"
                " use digits, spaces and dashes, with an optional leading +",
            )
            return None
        digits = compact.lstrip("+")
        if compact.startswith("+") and (len(digits) < 8 or len(digits) > 15 or digits[0] == "0"):
            self.error(line, f"{what} number '{value}' is not an international (E.164) number: + then 8-15 digits")
            return None
        if not compact.startswith("+") and not 3 <= len(digits) <= 15:
            self.error(line, f"{what} number '{value}' cannot be dialed: it has {len(digits)} digits (3 to 15)")
            return None
        return compact

    def read_hours(self, spec: Any, line: int, what: str) -> Hours | None:
        if not isinstance(spec, LocatedDict):
            self.error(line, f"{what} hours must have a timezone and weekly hours")
            return None
        self.fields(spec, ("timezone", "weekly", "dates"), f"{what} hours")
        zone = spec.get("timezone")
        ok = True
        if not isinstance(zone, str):
            self.error(spec.line, f"{what} hours need a 'timezone', such as Asia/Shanghai")
            ok = False
        else:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                self.error(
                    spec.line_of("timezone"),
                    f"{what} time zone '{zone}' is not a known IANA time zone (such as Asia/Shanghai)",
                )
                ok = False
        weekly: list[tuple[TimeRange, ...] | None] = [None] * 7
        week = spec.get("weekly")
        if not isinstance(week, LocatedDict):
            self.error(
                spec.line_of("weekly") if "weekly" in spec else spec.line,
                f"{what} hours need 'weekly', e.g. mon-fri: \"09:00-18:00\"",
            )
            ok = False
        else:
            for days_spec, ranges_spec in week.items():
                days_line = week.line_of(days_spec)
                days = self.day_set(days_spec, days_line, what)
                ranges = self.ranges(ranges_spec, days_line, what)
                if days is None or ranges is None:
                    ok = False
                    continue
                for day in days:
                    if weekly[day] is not None:
                        self.error(days_line, f"{what} hours give {DAY_NAMES[day]} twice")
                        ok = False
                    weekly[day] = ranges
        exceptions: dict[date, tuple[TimeRange, ...]] = {}
        dates = spec.get("dates", {})
        if not isinstance(dates, LocatedDict):
            if dates:
                self.error(spec.line_of("dates"), f"{what} 'dates' must map YYYY-MM-DD to hours or closed")
                ok = False
        else:
            for day, ranges_spec in dates.items():
                day_line = dates.line_of(day)
                if isinstance(day, str):  # a quoted date is still a date
                    with contextlib.suppress(ValueError):
                        day = date.fromisoformat(day.strip())
                if not isinstance(day, date):
                    self.error(day_line, f"{what} date '{day}' must be written YYYY-MM-DD (a real date)")
                    ok = False
                    continue
                ranges = self.ranges(ranges_spec, day_line, what)
                if ranges is None:
                    ok = False
                    continue
                exceptions[day] = ranges
        if not ok:
            return None
        return Hours(
            timezone=zone,
            weekly=tuple(r or () for r in weekly),
            exceptions=frozen_map(exceptions),
            source=self.src(line),
        )

    def day_set(self, spec: Any, line: int, what: str) -> list[int] | None:
        if not isinstance(spec, str):
            self.error(line, f"{what} hours: '{spec}' is not a day like mon, or a range like mon-fri")
            return None
        text = spec.strip().lower()
        if text == "daily":
            return list(range(7))
        days: list[int] = []
        for part in text.split(","):
            part = part.strip()
            bounds = [p.strip() for p in part.split("-")]
            if len(bounds) > 2 or any(b not in DAY_NAMES for b in bounds):
                self.error(line, f"{what} hours: '{spec}' is not a day like mon, a range like mon-fri, or daily")
                return None
            first, last = DAY_NAMES.index(bounds[0]), DAY_NAMES.index(bounds[-1])
            if last < first:
                self.error(line, f"{what} hours: '{part}' runs backwards; write it Monday first, e.g. mon-fri")
                return None
            days.extend(range(first, last + 1))
        return days

    def ranges(self, spec: Any, line: int, what: str) -> tuple[TimeRange, ...] | None:
        if isinstance(spec, str) and spec.strip().lower() == "closed":
            return ()
        items = spec if isinstance(spec, list) else [spec]
        result = []
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool):
                self.error(line, f'{what} hours must be in quotes, like "09:00-18:00"')
                return None
            match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", str(item))
            if not match:
                self.error(line, f"{what} hours '{item}' must look like \"09:00-18:00\" or be closed")
                return None
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
                self.error(line, f"{what} hours '{item}' is not a real time of day (00:00 to 24:00)")
                return None
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if end <= start:
                self.error(line, f"{what} hours '{item}' end before they start; split a night shift in two days")
                return None
            result.append(TimeRange(start, end))
        result.sort()
        for first, second in itertools.pairwise(result):
            if second.start < first.end:
                self.error(line, f"{what} hours overlap: {spec}")
                return None
        return tuple(result)

    # -- nodes -----------------------------------------------------------------------------

    def read_nodes(self, data: LocatedDict) -> dict[str, Node]:
        section = self.section(data, "nodes", "the file")
        if section is None:
            return {}
        readers: dict[str, Callable[[str, LocatedDict, int], Node | None]] = {
            "language": self.language_node,
            "menu": self.menu_node,
            "info": self.menu_node,
            "transfer": self.transfer_node,
            "goodbye": self.goodbye_node,
        }
        result = {}
        for node_id, spec in section.items():
            line = section.line_of(node_id)
            if not isinstance(node_id, str) or not ID_PATTERN.match(node_id):
                self.error(line, f"node id '{node_id}': use lower-case letters, digits and '_', starting with a letter")
                continue
            if not isinstance(spec, LocatedDict):
                self.error(line, f"node '{node_id}' must have a kind and its settings")
                self.broken_nodes.add(node_id)
                continue
            kind = spec.get("kind")
            if kind not in readers:
                self.error(
                    spec.line_of("kind"),
                    f"node '{node_id}' has kind {kind!r}; use one of {', '.join(readers)}"
                    f"{did_you_mean(str(kind), readers)}",
                )
                self.broken_nodes.add(node_id)
                continue
            node = readers[kind](node_id, spec, line)
            if node is None:
                self.broken_nodes.add(node_id)
            else:
                result[node_id] = node
        return result

    def title(self, spec: LocatedDict, what: str) -> Text | None:
        if "title" not in spec:
            return None
        return self.text(spec["title"], spec.line_of("title"), f"{what} title")

    def language_node(self, node_id: str, spec: LocatedDict, line: int) -> Node | None:
        what = f"node '{node_id}'"
        self.fields(spec, ("kind", "title", "prompt", "options", "next"), what)
        prompt = self.text(spec["prompt"], spec.line_of("prompt"), f"{what} prompt") if "prompt" in spec else None
        options = []
        items = spec.get("options")
        if not isinstance(items, LocatedList) or not items:
            self.error(spec.line_of("options"), f"{what} needs options, one per language")
            return None
        for index, item in enumerate(items):
            item_line = items.line_of(index)
            if not isinstance(item, LocatedDict):
                self.error(item_line, f"{what} option #{index + 1} must have a key and a language")
                continue
            self.fields(item, ("key", "language", "label", "keywords"), f"{what} option")
            key = self.key(item.get("key"), item.line_of("key"), f"{what} option key")
            lang = item.get("language")
            if lang not in self.langs:
                self.error(
                    item.line_of("language"),
                    f"{what} option language {lang!r} is not declared{did_you_mean(str(lang), self.langs)}",
                )
                continue
            label = self.text(item.get("label"), item.line_of("label"), f"{what} option label", langs=(lang,))
            keywords = None
            if "keywords" in item:
                keywords = self.words(item["keywords"], item.line_of("keywords"), f"{what} option keywords")
            if key and label:
                options.append(LanguageOption(key, lang, label, keywords, self.src(item_line)))
        next_node = spec.get("next")
        if not isinstance(next_node, str):
            self.error(spec.line, f"{what} needs 'next': the node callers go to after choosing")
            return None
        return LanguageNode(
            id=node_id,
            title=self.title(spec, what),
            source=self.src(line),
            prompt=prompt,
            options=tuple(options),
            next=next_node,
        )

    def menu_node(self, node_id: str, spec: LocatedDict, line: int) -> Node | None:
        kind = spec["kind"]
        what = f"node '{node_id}'"
        allowed = ["kind", "title", "prompt", "options", "reprompts", "fallback", "timeout"]
        if kind == "info":
            allowed.append("text")
        self.fields(spec, allowed, what)
        prompt = None
        if "prompt" in spec:
            prompt = self.text(spec["prompt"], spec.line_of("prompt"), f"{what} prompt")
        elif kind == "menu":
            self.error(line, f"{what} needs a 'prompt' in every language")
        text = None
        if kind == "info":
            if "text" in spec:
                text = self.text(spec["text"], spec.line_of("text"), f"{what} guidance text")
            else:
                self.error(line, f"{what} needs its guidance 'text' in every language")
        options = []
        items = spec.get("options", LocatedList())
        if not isinstance(items, LocatedList):
            self.error(spec.line_of("options"), f"{what} options must be a list of '- key: …' entries")
            items = LocatedList()
            items.line, items.item_lines = line, []
        for index, item in enumerate(items):
            option = self.option(item, items.line_of(index), what)
            if option:
                options.append(option)
        fallback = spec.get("fallback")
        if fallback is not None and not isinstance(fallback, str):
            self.error(spec.line_of("fallback"), f"{what} fallback must be a node id")
            fallback = None
        timeout = self.integer(spec, "timeout", 1, 60) if "timeout" in spec else None
        cls = InfoNode if kind == "info" else MenuNode
        extra = {"text": text} if kind == "info" else {}
        return cls(
            id=node_id,
            title=self.title(spec, what),
            source=self.src(line),
            prompt=prompt,
            options=tuple(options),
            reprompts=self.read_reprompts(spec, what),
            fallback=fallback,
            timeout=timeout,
            **extra,
        )

    def option(self, item: Any, line: int, what: str) -> Option | None:
        if not isinstance(item, LocatedDict):
            self.error(line, f"{what} option must have a key and goto (or action)")
            return None
        self.fields(item, ("key", "goto", "action", "label", "keywords"), f"{what} option")
        key = self.key(item.get("key"), item.line_of("key"), f"{what} option key")
        if "goto" in item and "action" in item:
            self.error(line, f"{what} option '{key}' has both goto and action; keep one")
            return None
        if "goto" in item:
            target = item["goto"]
            if not isinstance(target, str):
                self.error(item.line_of("goto"), f"{what} option '{key}' goto must be a node id")
                return None
            action = "goto"
        elif "action" in item:
            action, target = item["action"], None
            if action not in OPTION_ACTIONS:
                self.error(
                    item.line_of("action"),
                    f"{what} option '{key}' has action {action!r}; use one of {', '.join(OPTION_ACTIONS)}"
                    f"{did_you_mean(str(action), OPTION_ACTIONS)}",
                )
                return None
        else:
            self.error(line, f"{what} option '{key}' needs goto: <node> or action: <{'|'.join(OPTION_ACTIONS)}>")
            return None
        label = (
            self.text(item["label"], item.line_of("label"), f"{what} option '{key}' label") if "label" in item else None
        )
        keywords = None
        if "keywords" in item:
            keywords = self.words(item["keywords"], item.line_of("keywords"), f"{what} option '{key}' keywords")
        if key is None:
            return None
        return Option(key, action, target, label, keywords, self.src(line))

    def transfer_node(self, node_id: str, spec: LocatedDict, line: int) -> Node | None:
        what = f"node '{node_id}'"
        self.fields(spec, ("kind", "title", "hotline", "tip"), what)
        hotline = spec.get("hotline")
        if not isinstance(hotline, str):
            self.error(line, f"{what} needs 'hotline': the id of the hotline to transfer to")
            return None
        tip = self.text(spec["tip"], spec.line_of("tip"), f"{what} tip") if "tip" in spec else None
        return TransferNode(id=node_id, title=self.title(spec, what), source=self.src(line), hotline=hotline, tip=tip)

    def goodbye_node(self, node_id: str, spec: LocatedDict, line: int) -> Node | None:
        what = f"node '{node_id}'"
        self.fields(spec, ("kind", "title", "text"), what)
        text = self.text(spec["text"], spec.line_of("text"), f"{what} text") if "text" in spec else None
        return GoodbyeNode(id=node_id, title=self.title(spec, what), source=self.src(line), text=text)
