"""The immutable, typed model of a menu tree: what the loader produces and everything else consumes.

A loaded tree is a value: frozen dataclasses and read-only mappings, so the same
``Tree`` can be shared by every request, worker thread and audio job without locks,
and a hot reload is just swapping one value for another.

Every element remembers where it came from (``Source``) so that later checks and
runtime problems can point at the file and line an editor must change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal, TypeVar

_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")
_MISSING = object()
T = TypeVar("T")

# ---------------------------------------------------------------------------------------------
# Provenance and texts


@dataclass(frozen=True, order=True)
class Source:
    """A place in a config file, for messages that a non-programmer can act on."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def field_source(source: Source, lines: Mapping[str, int], name: str) -> Source:
    """Where the field ``name`` of an element is written, else the element's own line: a problem with
    ``next:`` or ``goto:`` points at that line, not at the first line of its node."""
    line = lines.get(name)
    return Source(source.file, line) if line else source


def frozen_map(items: Mapping | None = None) -> Mapping:
    """A read-only mapping, so a model value can never be changed behind a request's back."""
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True)
class Text:
    """One thing said to the caller, written once per language (``{"zh-CN": "...", "en-US": "..."}``)."""

    by_lang: Mapping[str, str]
    source: Source

    def __getitem__(self, lang: str) -> str:
        return self.by_lang[lang]

    def get(self, lang: str, default: str = "") -> str:
        return self.by_lang.get(lang, default)


@dataclass(frozen=True)
class Words:
    """A list of words per language: speech keywords, or the names of the days."""

    by_lang: Mapping[str, tuple[str, ...]]
    source: Source

    def __getitem__(self, lang: str) -> tuple[str, ...]:
        return self.by_lang.get(lang, ())


# ---------------------------------------------------------------------------------------------
# Languages and defaults


@dataclass(frozen=True)
class Language:
    """How one caller language sounds: Twilio's <Say>, the local TTS voice, and speech recognition."""

    code: str  # BCP 47 tag used everywhere in the tree, e.g. "zh-CN"
    name: str  # the language's own name, e.g. "普通话"
    say_voice: str  # Twilio <Say voice>, e.g. "Polly.Zhiyu"
    say_language: str  # Twilio <Say language>, e.g. "cmn-CN"
    speech_language: str  # Twilio <Gather language> for speech recognition
    tts_voice: str  # espeak-ng voice for pyttsx3, e.g. "sit/cmn-latn-pinyin"
    tts_rate: int  # words per minute for pyttsx3
    source: Source


GlobalAction = Literal["help", "back", "repeat", "end_call"]
GLOBAL_ACTIONS: tuple[GlobalAction, ...] = ("help", "back", "repeat", "end_call")

# Keys for the short menus the service builds itself (after hours, after a failed transfer).
SituationKey = Literal["leave_message", "retry", "hear_number"]
SITUATION_KEYS: tuple[SituationKey, ...] = ("leave_message", "retry", "hear_number")


@dataclass(frozen=True)
class Keys:
    """The global keys (work in every menu) and the keys of the built-in short menus."""

    help: str
    back: str
    repeat: str
    end_call: str | None
    leave_message: str
    retry: str
    hear_number: str
    source: Source

    def global_action(self, key: str) -> GlobalAction | None:
        for action in GLOBAL_ACTIONS:
            if getattr(self, action) == key:
                return action
        return None

    def global_keys(self) -> dict[str, GlobalAction]:
        return {getattr(self, a): a for a in GLOBAL_ACTIONS if getattr(self, a)}


@dataclass(frozen=True)
class Reprompts:
    """Escalating messages per attempt, as VoiceXML's ``count``: attempt k uses entry k, or the last."""

    no_input: tuple[Text, ...] = ()
    no_match: tuple[Text, ...] = ()

    def pick(self, kind: Literal["no_input", "no_match"], attempt: int) -> Text | None:
        texts = getattr(self, kind)
        if not texts:
            return None
        return texts[min(max(attempt, 1), len(texts)) - 1]


@dataclass(frozen=True)
class Limits:
    """How long a caller should have to listen, in seconds of rendered audio (``defaults.limits``).

    Measured on the real audio by ``ivr audio build`` (``ivr.call.durations``), never estimated:
    callers forget the first option of a long menu, and hang up on a welcome that names no key.
    """

    first_key: float = 8.0  # from the answer to the end of the first "…, press N" in each language
    menu: float = 15.0  # a whole menu: its prompt, its options and the global keys
    guidance: float = 20.0  # an info node's answer
    follow_up: float = 8.0  # the short menu said right after the guidance
    source: Source | None = None  # where ``limits`` is written, if it is


@dataclass(frozen=True)
class Defaults:
    """Tree-wide behaviour, each overridable where the config allows."""

    timeout: int  # seconds <Gather> waits for the first key or word
    max_no_input: int  # silences before the fallback
    max_no_match: int  # wrong keys / misheard words before the fallback
    speech: bool  # whether menus also listen for speech
    min_confidence: float  # speech below this counts as not understood
    dial_timeout: int  # seconds a transfer rings before "no answer"
    record_max_seconds: int  # cap on a voicemail left after hours
    keys: Keys
    reprompts: Reprompts
    fallback: str | None  # node id taken when the attempts run out
    source: Source
    limits: Limits = Limits()  # listening-time limits the audio build checks


# ---------------------------------------------------------------------------------------------
# Hotlines and hours


@dataclass(frozen=True, order=True)
class TimeRange:
    """Open from ``start`` to ``end`` minutes after local midnight (``end`` may be 1440, i.e. 24:00)."""

    start: int
    end: int

    def contains(self, minute: int) -> bool:
        return self.start <= minute < self.end


@dataclass(frozen=True)
class Hours:
    """Weekly opening hours in one IANA time zone, with dated exceptions (closed days, special hours)."""

    timezone: str
    weekly: tuple[tuple[TimeRange, ...], ...]  # 7 entries, Monday first; () = closed all day
    exceptions: Mapping[date, tuple[TimeRange, ...]]  # a date's own ranges; () = closed
    source: Source


# How a transfer leaves Twilio: "pstn" is <Dial><Number> (Twilio places the call, E.164 only);
# "sip" is <Dial><Sip> to a trunk whose carrier places it (numbers only a domestic carrier reaches).
Route = Literal["pstn", "sip"]
ROUTES: tuple[Route, ...] = ("pstn", "sip")


@dataclass(frozen=True)
class Transfers:
    """The ``transfers`` section: how the line reaches its hotlines, unless a hotline says otherwise.

    The trunk's host and credentials are not here: they are deployment secrets, read from the
    environment by the web layer (``SIP_TRUNK_HOST``, ``SIP_TRUNK_USERNAME``, ``SIP_TRUNK_PASSWORD``).
    """

    route: Route  # the default route of every hotline
    sip_uri: str  # template of the SIP address: {number} the hotline's digits, {trunk} the trunk host
    caller_id: str | None  # the callerId presented; None: the line's own number (the call's To)
    source: Source
    caller_id_source: Source | None = None

    @property
    def needs_trunk_host(self) -> bool:
        return "{trunk}" in self.sip_uri


DEFAULT_SIP_URI = "sip:{number}@{trunk}"


@dataclass(frozen=True)
class Hotline:
    """A number the line can transfer to, with when a person answers it."""

    id: str
    name: Text
    number: str  # dialable: digits, optionally with a leading "+" (for pstn, always E.164: "+864006065500")
    number_display: str  # as written in the config, for people
    spoken: Text | None  # how the number is read out; None: digit by digit
    hours: Hours | None  # None: always open
    source: Source
    lines: Mapping[str, int] = field(default_factory=frozen_map, compare=False, repr=False)  # field -> line
    route: Route = "pstn"  # the hotline's own route, or the transfers section's default

    def at(self, name: str) -> Source:
        return field_source(self.source, self.lines, name)


# ---------------------------------------------------------------------------------------------
# Nodes


OptionAction = Literal["goto", "repeat", "back", "main", "help", "end_call"]


@dataclass(frozen=True)
class Option:
    """One key of a menu: where it leads, how it is announced, and what words choose it by voice."""

    key: str
    action: OptionAction
    target: str | None  # node id, for action == "goto"
    label: Text | None  # announced as "<label>, press <key>"; None: the target's title or the action's
    keywords: Words | None
    source: Source
    lines: Mapping[str, int] = field(default_factory=frozen_map, compare=False, repr=False)  # field -> line

    def at(self, name: str) -> Source:
        return field_source(self.source, self.lines, name)


@dataclass(frozen=True)
class LanguageOption:
    key: str
    language: str
    label: Text  # said in its own language: "普通话服务" / "For English"
    keywords: Words | None
    source: Source
    lines: Mapping[str, int] = field(default_factory=frozen_map, compare=False, repr=False)

    def at(self, name: str) -> Source:
        return field_source(self.source, self.lines, name)


@dataclass(frozen=True)
class Node:
    id: str
    title: Text | None  # short name: a default label for options that lead here, and diagrams
    source: Source
    lines: Mapping[str, int] = field(default_factory=frozen_map, compare=False, repr=False)  # field -> line

    def at(self, name: str) -> Source:
        """Where the field ``name`` is written (``next``, ``fallback``, ``hotline`` …), else the node's line."""
        return field_source(self.source, self.lines, name)

    @property
    def kind(self) -> str:
        return type(self).__name__.removesuffix("Node").lower()


@dataclass(frozen=True)
class LanguageNode(Node):
    """Asks which language the caller wants; silence picks the tree's default language."""

    prompt: Text | None = None  # welcome, said in every language before the choices
    options: tuple[LanguageOption, ...] = ()
    next: str = ""


@dataclass(frozen=True)
class MenuNode(Node):
    """A spoken list of choices."""

    prompt: Text | None = None
    options: tuple[Option, ...] = ()
    reprompts: Reprompts = field(default_factory=Reprompts)
    fallback: str | None = None
    timeout: int | None = None


@dataclass(frozen=True)
class InfoNode(MenuNode):
    """Guidance read aloud, then its own follow-up choices (repeat, back, transfer, main menu)."""

    text: Text | None = None


@dataclass(frozen=True)
class TransferNode(Node):
    """Connects the caller to a hotline when it is open, after a short tip."""

    hotline: str = ""
    tip: Text | None = None


@dataclass(frozen=True)
class GoodbyeNode(Node):
    """Says goodbye (and whatever parting advice) and ends the call."""

    text: Text | None = None


@dataclass(frozen=True)
class Pronunciation:
    """How one word is said, where the synthesizer would get it wrong (the ``lexicon`` section).

    For Mandarin the reading is tone-numbered pinyin, one syllable per character ("huan2 kuan3"); for
    other languages a respelling the voice reads right ("wee chat" for "WeChat").
    """

    word: str
    reading: tuple[str, ...]  # Mandarin: syllables; other languages: the respelling's words
    source: Source


# ---------------------------------------------------------------------------------------------
# The tree


@dataclass(frozen=True)
class Tree:
    """A whole phone line: languages, behaviour, hotlines, words and nodes."""

    file: str
    languages: Mapping[str, Language]
    default_language: str
    defaults: Defaults
    messages: Mapping[str, Text]
    words: Mapping[str, Words]  # lists per language: day names, keywords of global keys
    key_names: Mapping[str, Text]  # how "*" and "#" are said
    hotlines: Mapping[str, Hotline]
    nodes: Mapping[str, Node]
    entry: str
    main_menu: str
    help: str | None
    # language -> word -> reading: what pypinyin or espeak-ng would misread (see ivr.audio.phonetic)
    lexicon: Mapping[str, Mapping[str, Pronunciation]] = field(default_factory=frozen_map)
    transfers: Transfers = Transfers("pstn", DEFAULT_SIP_URI, None, Source("", 0))

    def derived(self, name: str, build: Callable[[Tree], T]) -> T:
        """``build(self)``, worked out on first use and kept with this tree.

        A tree never changes, so what is computed from it alone (which menus lead to a node, the keys
        each menu announces) can live exactly as long as it: the validator, the checks of how a menu
        sounds and every webhook answer share it, and a reloaded tree starts empty instead of a
        module-level cache holding old trees alive. It is kept in the instance's ``__dict__``, beside
        the fields, not as one: no part of the tree's value (compared, hashed, shown or diffed).
        ``name`` says which result (one per ``build``); two threads asking at once may both build it,
        the same value, and one is kept."""
        kept: dict[str, object] = self.__dict__.setdefault("_derived", {})
        value = kept.get(name, _MISSING)
        if value is _MISSING:
            value = kept.setdefault(name, build(self))
        return value  # type: ignore[return-value]

    @property
    def language_codes(self) -> tuple[str, ...]:
        return tuple(self.languages)

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def message(self, name: str, lang: str, **values: object) -> str:
        """A message from the config in one language, with ``{placeholders}`` filled.

        A filled-in value that ends a sentence with an abbreviation ("9 a.m." + ".") would read
        "a.m.."; the doubled full stop is folded into one.
        """
        text = self.messages[name][lang].format(**values)
        return _DOUBLE_STOP.sub(".", text) if ".." in text else text  # most have none: no regex pass
