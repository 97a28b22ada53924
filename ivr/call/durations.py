"""How long a caller listens, measured on the rendered audio, against the line's ``defaults.limits``.

The validator's ``speaking_seconds`` is a listener's guess; the audio build knows the real length of
every file it rendered. This module turns those lengths into what a caller lives through: the
stretches of speech heard in one go before a key can be chosen. Which sentences follow one another
is asked of the call flow itself (``flow.enter``), never re-composed here, so what is measured is
what is played:

- ``first_key``: from the answer to the end of the first "…, press N" in each language (the welcome's
  prompts in every language, then the options up to that language's own);
- ``menu``: a whole menu (its prompt, options and global keys; the language choice as a whole);
- ``guidance``: an info node's answer;
- ``follow_up``: the menu said right after that answer.

Pure: seconds come in as a mapping ``(lang, text) -> seconds`` (``BuildReport.durations``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from ivr.call import flow, prompts
from ivr.call.callstate import CallState
from ivr.call.utterances import Utterance
from ivr.menu.model import InfoNode, LanguageNode, MenuNode, Source, Tree

KINDS = ("first_key", "menu", "guidance", "follow_up")


@dataclass(frozen=True)
class Passage:
    """Speech a caller hears in one go: ``texts`` one after another, all in ``lang``'s voice or not."""

    kind: str  # one of KINDS: which limit applies
    node: str
    lang: str  # the caller's language (a welcome mixes languages; each text's own is in ``said``)
    source: Source  # the line to edit to make it shorter
    said: tuple[tuple[str, str], ...]  # (text, lang) in the order played

    @property
    def what(self) -> str:
        names = {"first_key": "first key choice", "menu": "menu", "guidance": "guidance", "follow_up": "follow-up"}
        return f"{names[self.kind]} of node '{self.node}'"


@dataclass(frozen=True)
class Measured:
    passage: Passage
    seconds: float | None  # None: some text of it has no audio (not built, or its render failed)
    limit: float

    @property
    def over(self) -> bool:
        return self.seconds is not None and self.seconds > self.limit

    def warning(self) -> str:
        """One line for the build's output, in the ``file:line: warning:`` form editors jump to."""
        p = self.passage
        return (
            f"{p.source}: warning: the {p.lang} {p.what} takes {self.seconds:.1f} s, over the limit of "
            f"{self.limit:g} s (defaults.limits.{p.kind}): shorten it or split it"
        )


def passages(tree: Tree, now: datetime) -> list[Passage]:
    """Every stretch the limits apply to, per language: the entry's first key, each menu, each guidance."""
    return [*_first_keys(tree, now), *_menus(tree, now)]


def measure(tree: Tree, durations: Mapping[tuple[str, str], float], now: datetime) -> list[Measured]:
    """Each passage with its real length (the sum of its texts' audio) and its limit, longest first."""
    limits = tree.defaults.limits
    measured = []
    for passage in passages(tree, now):
        lengths = [durations.get((lang, text)) for text, lang in passage.said]
        seconds = None if any(s is None for s in lengths) else sum(s or 0.0 for s in lengths)
        measured.append(Measured(passage, seconds, getattr(limits, passage.kind)))
    return sorted(measured, key=lambda m: (m.seconds is None, -(m.seconds or 0.0), m.passage.node, m.passage.lang))


def measured_only(tree: Tree, now: datetime) -> list[Utterance]:
    """Texts the limits need that no caller hears alone: a menu's words up to its first option, when
    the call starts at a menu (its options are one recording, so their start cannot be read off it)."""
    return [Utterance(text, lang, p.source) for p in _first_keys(tree, now) for text, lang in p.said]


def _said(tree: Tree, node_id: str, lang: str, now: datetime) -> tuple[tuple[str, str], ...]:
    """What the flow plays on arriving at ``node_id`` in ``lang``, before it listens."""
    said: list[tuple[str, str]] = []
    for action in flow.enter(tree, CallState(node_id, lang), now):
        if isinstance(action, flow.Say):
            said.append((action.text, action.lang))
        elif isinstance(action, flow.Listen):
            said += [(s.text, s.lang) for s in action.prompts]
    return tuple(said)


def _first_keys(tree: Tree, now: datetime) -> Iterator[Passage]:
    node = tree.nodes.get(tree.entry)
    if not isinstance(node, LanguageNode | MenuNode):
        return
    for lang in tree.language_codes:
        said = _said(tree, node.id, lang, now)
        first = _first_choice(tree, node, lang)
        if first is None:
            continue
        upto: list[tuple[str, str]] = []
        for text, text_lang in said:
            at = text.find(first)
            if at >= 0:
                upto.append((text[: at + len(first)], text_lang))
                break
            upto.append((text, text_lang))
        else:
            continue  # the choice is not said as composed: nothing to measure up to
        yield Passage("first_key", node.id, lang, _source(node), tuple(upto))


def _first_choice(tree: Tree, node: LanguageNode | MenuNode, lang: str) -> str | None:
    """The sentence that offers ``lang``'s caller a key first: "普通话服务，请按1。", "For refunds, press 1."."""
    if isinstance(node, LanguageNode):
        options = [o for o in node.options if o.language == lang] or list(node.options)
        if not options:
            return None
        o = options[0]
        return prompts.announce(tree, o.label[o.language], o.key, o.language)
    if not node.options:
        return None
    o = node.options[0]
    action = o.action != "goto" and o.label is None
    return prompts.announce(tree, prompts.option_label(tree, o, lang), o.key, lang, action=action)


def _menus(tree: Tree, now: datetime) -> Iterator[Passage]:
    for node in tree.nodes.values():
        if isinstance(node, LanguageNode):
            lang = tree.default_language
            yield Passage("menu", node.id, lang, _source(node), _said(tree, node.id, lang, now))
        elif isinstance(node, MenuNode):
            for lang in tree.language_codes:
                said = _said(tree, node.id, lang, now)
                if isinstance(node, InfoNode) and len(said) == 2:
                    where = node.text.source if node.text is not None else node.source
                    yield Passage("guidance", node.id, lang, where, said[:1])
                    yield Passage("follow_up", node.id, lang, _source(node), said[1:])
                else:
                    yield Passage("menu", node.id, lang, _source(node), said)


def _source(node: LanguageNode | MenuNode) -> Source:
    """The prompt's line when it has one (what to shorten), else the node's."""
    return node.prompt.source if node.prompt is not None else node.source
