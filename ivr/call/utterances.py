"""Every text a caller can hear from a tree, in every language: the audio build's work list.

It is derived from the same composing functions the call flow uses (``ivr.call.prompts``,
``ivr.call.hours``), so what is pre-rendered is exactly what is said. Texts that vary per call are
finite here: "opens again <day> at <time>" is enumerated over the days and the hotlines'
opening times.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ivr.call import prompts
from ivr.call.hours import opening_minutes, time_spoken
from ivr.menu.model import GoodbyeNode, Hours, InfoNode, LanguageNode, MenuNode, Source, TransferNode, Tree

DIAL_PROBLEMS = ("busy", "no-answer", "failed")
STANDALONE_MESSAGES = ("goodbye", "record_thanks", "error_apology")  # said whole; the rest are pieces


@dataclass(frozen=True)
class Utterance:
    text: str
    lang: str
    source: Source | None = None


def all_utterances(tree: Tree) -> list[Utterance]:
    """Each distinct (text, language) once, first source wins, in a stable order."""
    seen: dict[tuple[str, str], Utterance] = {}
    for utterance in _walk(tree):
        key = (utterance.text, utterance.lang)
        if utterance.text and key not in seen:
            seen[key] = utterance
    return list(seen.values())


def _walk(tree: Tree) -> Iterator[Utterance]:
    for node in tree.nodes.values():
        if isinstance(node, LanguageNode):
            for text, lang in prompts.language_choices(tree, node):
                yield Utterance(text, lang, node.source)
    for lang in tree.language_codes:
        yield from _per_language(tree, lang)


def _per_language(tree: Tree, lang: str) -> Iterator[Utterance]:
    for name in STANDALONE_MESSAGES:
        yield Utterance(tree.message(name, lang), lang, tree.messages[name].source)
    yield Utterance(
        tree.message("record_prompt", lang, seconds=tree.defaults.record_max_seconds),
        lang,
        tree.messages["record_prompt"].source,
    )
    for kind in ("no_input", "no_match"):
        for text in getattr(tree.defaults.reprompts, kind):
            yield Utterance(text[lang], lang, text.source)
    for node in tree.nodes.values():
        if isinstance(node, MenuNode):
            if isinstance(node, InfoNode):
                yield Utterance(prompts.guidance(node, lang), lang, node.text.source if node.text else node.source)
            yield Utterance(prompts.options_prompt(tree, node, lang), lang, node.source)
            for kind in ("no_input", "no_match"):
                for text in getattr(node.reprompts, kind):
                    yield Utterance(text[lang], lang, text.source)
        elif isinstance(node, TransferNode) and node.hotline in tree.hotlines:
            hotline = tree.hotlines[node.hotline]
            yield Utterance(prompts.transfer_tip(tree, node, hotline, lang), lang, node.source)
        elif isinstance(node, GoodbyeNode) and node.text is not None:
            yield Utterance(node.text[lang], lang, node.text.source)
    for node in tree.nodes.values():
        if isinstance(node, TransferNode):
            for choices in (prompts.CLOSED_CHOICES, prompts.FAILED_CHOICES):
                yield Utterance(prompts.short_menu(tree, node, choices, lang), lang, node.source)
    for hotline in tree.hotlines.values():
        yield Utterance(prompts.connecting(tree, hotline, lang), lang, hotline.source)
        yield Utterance(prompts.number_readout(tree, hotline, lang), lang, hotline.source)
        for status in DIAL_PROBLEMS:
            yield Utterance(prompts.dial_problem(tree, hotline, status, lang), lang, hotline.source)
        if hotline.hours is not None:
            yield Utterance(prompts.closed_notice(tree, hotline, lang), lang, hotline.hours.source)
            yield from _openings(tree, hotline.hours, lang)


def _openings(tree: Tree, hours: Hours, lang: str) -> Iterator[Utterance]:
    days = [tree.message("today", lang), tree.message("tomorrow", lang), *tree.words["days"][lang]]
    for minutes in sorted(opening_minutes(hours)):
        when = time_spoken(tree, minutes, lang)
        for day in days:
            yield Utterance(tree.message("next_open", lang, day=day, time=when), lang, hours.source)
