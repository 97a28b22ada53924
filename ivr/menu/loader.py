"""Turns a menu file into a ``Tree``, collecting every problem instead of stopping at the first.

The loader is deliberately lenient while it reads: a broken option or node is reported and
skipped, and reading goes on, so one ``ivr validate`` run shows an editor all their typos at
once. Structural problems (wrong types, unknown fields, missing languages, malformed hours,
numbers that cannot be dialled by their route) are found here; problems about the tree as a graph are found by
``ivr.menu.validator`` on the model this produces.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ivr.menu import bounded_read
from ivr.menu.bounded_read import Refused
from ivr.menu.diagnostics import ConfigError, Diagnostic, did_you_mean
from ivr.menu.fields import Field, section
from ivr.menu.model import Source, Tree, frozen_map
from ivr.menu.read_defaults import DEFAULT_FIELDS, read_defaults
from ivr.menu.read_hotlines import HOTLINES_SHAPE, read_hotlines
from ivr.menu.read_languages import LANGUAGES_SHAPE, read_languages
from ivr.menu.read_lexicon import read_lexicon
from ivr.menu.read_nodes import NODES_SHAPE, read_nodes
from ivr.menu.read_texts import (
    KEY_NAMES_SHAPE,
    MESSAGES_SHAPE,
    WORDS_SECTION_SHAPE,
    read_key_names,
    read_messages,
    read_words,
)
from ivr.menu.read_transfers import TRANSFER_FIELDS, check_caller_id, read_transfers
from ivr.menu.reading import ID_SHAPE, LANGUAGE_SHAPE, Reading
from ivr.menu.validator import validate
from ivr.menu.yaml_source import LocatedDict, load_yaml

# The sections of a menu file (``ivr schema`` is built from this table and the readers' own).
FILE_FIELDS = {
    "languages": Field("the caller languages (BCP 47 tags such as zh-CN): voices and speech", LANGUAGES_SHAPE, True),
    "default_language": Field("the language of a caller who says nothing at the language choice", LANGUAGE_SHAPE),
    "entry": Field("the first node of every call: a language choice or a menu", ID_SHAPE, required=True),
    "main_menu": Field("where 'main menu' leads", ID_SHAPE, required=True),
    "help": Field("where the help key leads", ID_SHAPE),
    "defaults": Field("tree-wide behaviour: timeouts, attempts, keys, reprompts", section(DEFAULT_FIELDS), True),
    "messages": Field("the line's own sentences, with {placeholders} filled in when spoken", MESSAGES_SHAPE, True),
    "words": Field("day names, and what callers may say for the global keys", WORDS_SECTION_SHAPE, True),
    "key_names": Field("how the keys * and # are said", KEY_NAMES_SHAPE, required=True),
    "lexicon": Field(
        "per language, words the synthesizer would misread and how to say them (zh-CN: tone-numbered pinyin,"
        " 还款: huan2 kuan3)",
        {
            "type": "object",
            "propertyNames": LANGUAGE_SHAPE,
            "additionalProperties": {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
        },
    ),
    "transfers": Field(
        "how transfers leave Twilio: the default route (pstn or sip), the SIP address, the caller ID",
        section(TRANSFER_FIELDS),
    ),
    "hotlines": Field("the numbers the line transfers to, and when each one answers", HOTLINES_SHAPE),
    "nodes": Field("the tree: one entry per node, keyed by its id", NODES_SHAPE, required=True),
}


def load_tree(path: str | Path) -> Tree:
    """Load and fully validate a menu file; raise ``ConfigError`` listing every error."""
    tree, diagnostics = check_file(path)
    if tree is None or any(d.severity == "error" for d in diagnostics):
        raise ConfigError(diagnostics)
    return tree


def check_file(path: str | Path) -> tuple[Tree | None, list[Diagnostic]]:
    """Read a menu file and run every check; return the tree (if it could be built) and all problems."""
    with gc_paused():
        return _check_file(path)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a menu is checked.

    Reading builds hundreds of thousands of small objects that all stay alive, and each automatic
    collection walks all of them again, which made a 10,000-node file take more than twice as long
    (quadratic growth). It resumes (if it was on) when the check ends; nested pauses leave that to
    the outermost.

    Everything made meanwhile is then still the collector's youngest generation, and the first
    allocation after resuming scanned all of it (0.9 s of a 10,000-node check) only to keep it.
    So it is moved to the oldest generation unscanned (``gc.freeze`` then ``gc.unfreeze``, each a
    splice of the collector's lists), where it is scanned with the rest of the long-lived objects
    at the next full collection: any cycle made meanwhile is still collected, later. Only when the
    process has frozen nothing itself (a pre-forking server may, for copy-on-write), since
    ``unfreeze`` would thaw that too.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _check_file(path: str | Path) -> tuple[Tree | None, list[Diagnostic]]:
    data, problems = read_file(path)
    if data is None:
        return None, problems
    return check_bytes(data, str(path))


def read_file(path: str | Path) -> tuple[bytes | None, list[Diagnostic]]:
    """The file's bytes within the reading limits (``ivr.menu.bounded_read``), or why it cannot be read."""
    file = str(path)
    try:
        return bounded_read.read_bytes(path), []
    except FileNotFoundError:
        return None, [Diagnostic(Source(file, 1), "error", "no such file")]
    except Refused as exc:
        return None, [Diagnostic(Source(file, exc.line), "error", exc.message)]
    except OSError as exc:
        return None, [Diagnostic(Source(file, 1), "error", f"cannot read the file: {exc.strerror or exc}")]


def check_bytes(data: bytes, file: str) -> tuple[Tree | None, list[Diagnostic]]:
    """Every check of a menu file's contents (``file`` names it in the problems).

    Whatever goes wrong inside is one more problem of the file, never an exception: a file that
    crashes the reader (a bug here, or an input nobody thought of) is a rejected edit, and the
    line keeps serving the last good menu instead of answering a 500.
    """
    try:
        with gc_paused():
            return _check_bytes(data, file)
    except Exception as exc:  # see above: any failure is a rejected file
        return None, [internal_error(file, exc)]


def internal_error(file: str, exc: BaseException) -> Diagnostic:
    """A failure of the checks themselves, phrased as a problem of the file (it is the file that is refused)."""
    return Diagnostic(
        Source(file, 1),
        "error",
        f"the file could not be checked ({type(exc).__name__}: {exc}); it is refused."
        " Please report this with the file: the checks should have named the problem",
    )


def _check_bytes(data: bytes, file: str) -> tuple[Tree | None, list[Diagnostic]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [
            Diagnostic(
                Source(file, line),
                "error",
                f"cannot read the file: it is not UTF-8 text ({exc.reason} at byte {exc.start})",
            )
        ]
    reading = Reading(file)
    tree = read(reading, text)
    diagnostics = list(reading.diagnostics)
    if tree is not None:
        diagnostics.extend(
            validate(
                tree,
                broken_nodes=reading.broken_nodes,
                broken_hotlines=reading.broken_hotlines,
                ref_lines=reading.ref_lines,
            )
        )
    return tree, sorted(set(diagnostics))


def read(reading: Reading, text: str) -> Tree | None:
    """The whole file, section by section, into a ``Tree``; ``None`` when there is too little to build one
    (not a set of sections, no usable language, or no defaults). Languages are read first: every later
    section's texts are checked against them."""
    data, problems = load_yaml(text, reading.file)
    reading.diagnostics.extend(problems)
    if data is None:
        if not problems:
            reading.error(1, "the file is empty")
        return None
    if not isinstance(data, LocatedDict):
        reading.error(getattr(data, "line", 1), "the file must be a set of sections (languages, nodes, …)")
        return None
    reading.fields(data, FILE_FIELDS, "the file")
    languages = read_languages(reading, data)
    if not languages:
        return None
    default_language = data.get("default_language", next(iter(languages)))
    if not isinstance(default_language, str) or default_language not in languages:
        reading.error(
            data.line_of("default_language"),
            f"default_language '{default_language}' is not a declared language"
            f"{did_you_mean(str(default_language), languages)}",
        )
        default_language = next(iter(languages))
    defaults = read_defaults(reading, data)
    messages = read_messages(reading, data)
    words = read_words(reading, data)
    key_names = read_key_names(reading, data)
    lexicon = read_lexicon(reading, data)
    transfers = read_transfers(reading, data)
    hotlines = read_hotlines(reading, data, transfers)
    check_caller_id(reading, transfers, hotlines)
    nodes = read_nodes(reading, data)
    entry = _node_ref(reading, data, "entry", required=True)
    main_menu = _node_ref(reading, data, "main_menu", required=True)
    help_node = _node_ref(reading, data, "help", required=False)
    if defaults is None:
        return None
    return Tree(
        file=reading.file,
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
        lexicon=frozen_map(lexicon),
        transfers=transfers,
    )


def _node_ref(reading: Reading, data: LocatedDict, key: str, required: bool) -> str | None:
    value = data.get(key)
    if key in data:
        reading.ref_lines[key] = data.line_of(key)
    if value is None:
        if required:
            reading.missing(data, key, data.line, f"'{key}' is missing: name the node it leads to")
        return None
    if not isinstance(value, str):
        reading.error(data.line_of(key), f"'{key}' must be a node id")
        return None
    return value
