"""Composes what the caller hears from the config's pieces: one place, so every consumer agrees.

The call flow, the validator (how long is this menu to listen to?), the audio build (which
texts exist?) and the diagrams all need the same sentences. Menus announce each option with
the language's ``option`` message ("{label}，请按{key}。"), so a key lives in exactly one place
in the file and a prompt can never say "press 3" for an option that moved to 4.
"""

from __future__ import annotations

import re

from ivr.call.hours import week_spoken
from ivr.call.sentences import join
from ivr.menu.choices import Choice, announced
from ivr.menu.model import Hotline, InfoNode, LanguageNode, MenuNode, Node, Option, TransferNode, Tree

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_PAUSE = re.compile(r"[。！？；.!?;]")


def speaking_seconds(text: str) -> float:
    """A listener's estimate of how long ``text`` takes to say at an IVR's unhurried pace.

    Mandarin runs about four syllables (characters) a second, English about two and a half
    words a second, and each sentence break adds a short pause. Used for the "prompt too long"
    warning, where a rough figure is all that is needed.
    """
    return _seconds(*speech_counts(text))


def speech_counts(text: str) -> tuple[int, int, int]:
    """What ``speaking_seconds`` counts in ``text``: Chinese characters, words, sentence breaks."""
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(text))  # a Chinese character is no letter of a word: it ends one as a space would
    pauses = len(_PAUSE.findall(text))
    return cjk, words, pauses


def _seconds(cjk: int, words: int, pauses: int) -> float:
    return cjk / 4.0 + words / 2.5 + pauses * 0.3


def sentences_seconds(sentences: list[str], counted: dict[str, tuple[int, int, int]]) -> float:
    """``speaking_seconds(join(sentences))``, from each sentence's counts (kept in ``counted``, by text).

    ``join`` adds only a space between two sentences, or nothing where one side is a wide (Chinese)
    character, and neither is a character that is counted, nor can it join two words into one (a word
    is ASCII letters and digits), so the counts of the whole are the sums of its sentences'. The
    checks of how menus sound say the same sentences ("To go back, press star.") in menu after menu
    (tests/core/test_prompt_seconds.py holds the two equal)."""
    cjk = words = pauses = 0
    for sentence in sentences:
        counts = counted.get(sentence)
        if counts is None:
            counts = counted[sentence] = speech_counts(sentence)
        cjk += counts[0]
        words += counts[1]
        pauses += counts[2]
    return _seconds(cjk, words, pauses)


def key_spoken(tree: Tree, key: str, lang: str) -> str:
    """How a key is said: digits as themselves, ``*`` and ``#`` by the config's ``key_names``."""
    name = tree.key_names.get(key)
    return name.get(lang, key) if name else key


def digits_spoken(number: str) -> str:
    """A phone number read digit by digit ("9 5 1 8 8"); TTS engines read "95188" as a quantity."""
    return " ".join(c for c in number if c.isdigit())


def number_spoken(hotline: Hotline, lang: str) -> str:
    if hotline.spoken is not None and lang in hotline.spoken.by_lang:
        return hotline.spoken[lang]
    return digits_spoken(hotline.number)


def option_label(tree: Tree, option: Option, lang: str) -> str:
    """The option's own label, else the title of the node it leads to, else the action's label."""
    if option.label is not None:
        return option.label.get(lang)
    if option.action == "goto":
        target = tree.nodes.get(option.target or "")
        if target is not None and target.title is not None:
            return target.title.get(lang)
        return ""
    return tree.messages[f"label_{option.action}"].get(lang) if f"label_{option.action}" in tree.messages else ""


def announce(tree: Tree, label: str, key: str, lang: str, action: bool = False) -> str:
    """ "For refunds, press 1." for a topic; "To leave a message, press 1." for an action, whose label
    is a whole phrase (the ``action_option`` message)."""
    message = "action_option" if action else "option"
    return tree.message(message, lang, label=label, key=key_spoken(tree, key, lang))


def options_prompt(tree: Tree, node: MenuNode, lang: str, choices: list[Choice] | None = None) -> str:
    """The menu's intro, then each key worth hearing there, as one prompt."""
    return join(prompt_sentences(tree, node, lang, choices))


def prompt_sentences(
    tree: Tree,
    node: MenuNode,
    lang: str,
    choices: list[Choice] | None = None,
    said: dict[tuple[str | None, ...], str] | None = None,
) -> list[str]:
    """The sentences of ``options_prompt``: the menu's intro, then each key worth hearing there
    (``ivr.menu.choices.announced``; ``choices`` when the caller has them already, and ``said`` as
    ``choice_spoken`` keeps it, as the checks do for every language of every menu)."""
    parts = [node.prompt[lang]] if node.prompt is not None else []
    parts += [choice_spoken(tree, c, lang, said) for c in (announced(tree, node) if choices is None else choices)]
    return parts


def choice_spoken(tree: Tree, choice: Choice, lang: str, said: dict[tuple[str | None, ...], str] | None = None) -> str:
    """ "退款，请按1。" for an option; a global key like an action option, with its ``label_…`` message
    ("To go back, press star."), so every key in a menu is said the one way callers learn.

    ``said`` keeps the sentences of one tree by what they are made of, for a caller that says every
    menu of it (the same global keys and follow-up options recur in menu after menu)."""
    option = choice.option
    if option is not None:
        label: str | None = option_label(tree, option, lang)
        action = option.action != "goto" and option.label is None
        made_of: tuple[str | None, ...] = (label, option.key, "action" if action else "topic", lang)
    else:
        label, action = None, True
        made_of = (None, choice.action, choice.key, lang)
    sentence = said.get(made_of) if said is not None else None
    if sentence is None:
        if label is None:
            label = tree.message(f"label_{choice.action}", lang)
        sentence = announce(tree, label, option.key if option is not None else choice.key, lang, action=action)
        if said is not None:
            said[made_of] = sentence
    return sentence


def global_keys_hint(tree: Tree, node: Node, lang: str) -> str:
    """The global keys worth naming at ``node`` (a transfer's short menu), one sentence each."""
    return join([choice_spoken(tree, c, lang) for c in announced(tree, node) if c.option is None])


def guidance(node: InfoNode, lang: str) -> str:
    return node.text[lang] if node.text is not None else ""


def language_choices(tree: Tree, node: LanguageNode) -> list[tuple[str, str]]:
    """The welcome in every language, then each choice announced in its own language."""
    said: list[tuple[str, str]] = []
    if node.prompt is not None:
        said += [(node.prompt[lang], lang) for lang in tree.language_codes if lang in node.prompt.by_lang]
    said += [(announce(tree, o.label[o.language], o.key, o.language), o.language) for o in node.options]
    return said


# --- a transfer node's words ------------------------------------------------------------------


def hotline_name(hotline: Hotline, lang: str) -> str:
    return hotline.name[lang]


def transfer_tip(tree: Tree, node: TransferNode, hotline: Hotline, lang: str) -> str:
    if node.tip is not None:
        return node.tip[lang]
    return tree.message("transfer_tip", lang, hotline=hotline_name(hotline, lang))


def connecting(tree: Tree, hotline: Hotline, lang: str) -> str:
    return tree.message("connecting", lang, hotline=hotline_name(hotline, lang))


def closed_notice(tree: Tree, hotline: Hotline, lang: str) -> str:
    """The hotline's name and weekly hours; when it next opens is a separate, time-dependent sentence."""
    hours = week_spoken(tree, hotline.hours, lang) if hotline.hours else ""
    return tree.message("closed", lang, hotline=hotline_name(hotline, lang), hours=hours)


def number_readout(tree: Tree, hotline: Hotline, lang: str) -> str:
    return tree.message(
        "number_readout", lang, hotline=hotline_name(hotline, lang), number=number_spoken(hotline, lang)
    )


DIAL_MESSAGES = {"busy": "dial_busy", "no-answer": "dial_no_answer"}


def dial_problem(tree: Tree, hotline: Hotline, status: str, lang: str) -> str:
    """What went wrong with a transfer, per Twilio's DialCallStatus (failed and canceled read alike)."""
    name = DIAL_MESSAGES.get(status, "dial_failed")
    return tree.message(name, lang, hotline=hotline_name(hotline, lang))


def short_menu(tree: Tree, node: Node, choices: tuple[str, ...], lang: str) -> str:
    """A transfer's built-in menu (after hours, after a failed dial): each choice's key from
    ``defaults.keys``, then the global keys that lead somewhere new from ``node``."""
    keys = tree.defaults.keys
    parts = [announce(tree, tree.message(f"label_{c}", lang), getattr(keys, c), lang, action=True) for c in choices]
    parts.append(global_keys_hint(tree, node, lang))
    return join(parts)


CLOSED_CHOICES = ("leave_message", "hear_number")
FAILED_CHOICES = ("retry", "hear_number")
