"""How a menu sounds: the checks that need the call's own sentences, on top of the file's checks.

``ivr.menu`` checks the file and the graph; it cannot know what a caller hears, because the
sentences (an option announced as "退款，请按1。", the global keys, the language choice) are
composed here, in the call layer. So this module adds those checks, and every place that serves
or reports a menu (``ivr validate``, the webhooks, the audio build) loads it through
``check_menu`` / ``load_menu`` and sees one list of problems.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

from ivr.call.prompts import language_choices, option_label, prompt_sentences, sentences_seconds, speaking_seconds
from ivr.menu import bounded_read
from ivr.menu.choices import announced
from ivr.menu.diagnostics import ConfigError, Diagnostic
from ivr.menu.loader import check_bytes, check_file, gc_paused, internal_error
from ivr.menu.model import GoodbyeNode, InfoNode, LanguageNode, MenuNode, Source, Text, TransferNode, Tree

LONGEST_PROMPT_SECONDS = 30.0


def check_menu(path: str | Path) -> tuple[Tree | None, list[Diagnostic]]:
    """Every problem of a menu file: the file's and the graph's (``check_file``), then how it sounds."""
    with gc_paused():
        return _spoken_too(str(path), *check_file(path))


def check_menu_bytes(data: bytes, file: str) -> tuple[Tree | None, list[Diagnostic]]:
    """``check_menu`` of contents already read (``file`` names them): what the service checks before it
    serves or keeps a copy of exactly those bytes.

    The service checks the file again whenever it may have changed (its size or modification time),
    and an editor's save, ``touch`` or checkout often leaves the bytes as they were. So the last few
    results that built a tree are kept by the bytes' SHA-256 (with the file's name, which every
    problem carries, and the reading limits in force): an unchanged file costs its hash. A tree is
    immutable, so the one served and the one kept can be the same. Results without a tree (a refused
    or crashed load, perhaps the time budget's) are never kept: they are checked again.
    """
    key = (file, hashlib.sha256(data).digest(), bounded_read.limits())
    with _checked_lock:
        kept = _checked.get(key)
    if kept is not None:
        return kept[0], list(kept[1])
    with gc_paused():
        tree, diagnostics = _spoken_too(file, *check_bytes(data, file))
    if tree is not None:
        with _checked_lock:
            _checked[key] = (tree, tuple(diagnostics))
            while len(_checked) > CHECKED_KEPT:
                _checked.pop(next(iter(_checked)))
    return tree, diagnostics


CHECKED_KEPT = 2  # results kept by check_menu_bytes: the served menu, and the one before it or a snapshot
_checked: dict[tuple[str, bytes, tuple[float, ...]], tuple[Tree, tuple[Diagnostic, ...]]] = {}
_checked_lock = threading.Lock()


def _spoken_too(file: str, tree: Tree | None, diagnostics: list[Diagnostic]) -> tuple[Tree | None, list[Diagnostic]]:
    if tree is None:
        return tree, diagnostics
    try:
        return tree, sorted({*diagnostics, *spoken_problems(tree)})
    except Exception as exc:  # a crash of a check refuses the file, it never reaches a caller
        return None, sorted({*diagnostics, internal_error(file, exc)})


def load_menu(path: str | Path) -> Tree:
    """Load and fully check a menu file; raise ``ConfigError`` listing every error."""
    return _served(*check_menu(path))


def load_menu_bytes(data: bytes, file: str) -> Tree:
    """``load_menu`` of contents already read."""
    return _served(*check_menu_bytes(data, file))


def _served(tree: Tree | None, diagnostics: list[Diagnostic]) -> Tree:
    if tree is None or any(d.severity == "error" for d in diagnostics):
        raise ConfigError(diagnostics)
    return tree


def spoken_problems(tree: Tree) -> list[Diagnostic]:
    """Options a caller would hear no name for (an error), and prompts too long to follow (warnings)."""
    return list(_spoken(tree))


def _spoken(tree: Tree) -> Iterator[Diagnostic]:
    said: dict[tuple[str | None, ...], str] = {}  # each sentence by what it is made of, and its counts by text:
    counted: dict[str, tuple[int, int, int]] = {}  # menus repeat the same global keys and follow-up options
    for node in tree.nodes.values():
        what = f"node '{node.id}'"
        if isinstance(node, LanguageNode):
            try:
                seconds = sum(speaking_seconds(text) for text, _ in language_choices(tree, node))
            except (KeyError, IndexError, ValueError):
                continue  # a broken message is reported where it is written
            if seconds > LONGEST_PROMPT_SECONDS:
                yield _too_long(node.source, f"{what} language choice", seconds)
        elif isinstance(node, MenuNode):
            yield from _menu(tree, node, said, counted)
        elif isinstance(node, TransferNode) and node.tip is not None:
            yield from _long_text(node.tip, f"{what} tip")
        elif isinstance(node, GoodbyeNode) and node.text is not None:
            yield from _long_text(node.text, f"{what} text")


def _menu(
    tree: Tree, node: MenuNode, said: dict[tuple[str | None, ...], str], counted: dict[str, tuple[int, int, int]]
) -> Iterator[Diagnostic]:
    what = f"node '{node.id}'"
    for option in node.options:
        if option.target in tree.nodes or option.action != "goto":  # a broken target has its own error
            for lang in tree.language_codes:
                if not option_label(tree, option, lang):
                    yield Diagnostic(
                        option.source,
                        "error",
                        f"option '{option.key}' has no label in {lang}, and '{option.target}' has no title",
                    )
                    break
    if isinstance(node, InfoNode) and node.text is not None:
        yield from _long_text(node.text, f"{what} guidance")
    if all(tree.messages.get(m) for m in ("option", "action_option")):
        try:
            choices = announced(tree, node)
        except (KeyError, IndexError, ValueError):
            return  # as for each prompt below: a broken message is reported where it is written
        for lang in tree.language_codes:
            try:  # the seconds of options_prompt(tree, node, lang, choices), sentence by sentence
                seconds = sentences_seconds(prompt_sentences(tree, node, lang, choices, said), counted)
            except (KeyError, IndexError, ValueError):
                continue  # a broken message is reported where it is written
            if seconds > LONGEST_PROMPT_SECONDS:
                yield _too_long(node.source, f"{what} menu prompt in {lang}", seconds)


def _long_text(text: Text, what: str) -> Iterator[Diagnostic]:
    for lang, words in text.by_lang.items():
        seconds = speaking_seconds(words)
        if seconds > LONGEST_PROMPT_SECONDS:
            yield _too_long(text.source, f"{what} in {lang}", seconds)


def _too_long(source: Source, what: str, seconds: float) -> Diagnostic:
    return Diagnostic(
        source,
        "warning",
        f"{what} takes about {seconds:.0f} s to say; callers lose track after "
        f"{LONGEST_PROMPT_SECONDS:.0f} s: shorten it or split it",
    )
