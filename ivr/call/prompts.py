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
from ivr.menu.model import Hotline, InfoNode, LanguageNode, MenuNode, Option, TransferNode, Tree

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_PAUSE = re.compile(r"[。！？；.!?;]")


def speaking_seconds(text: str) -> float:
    """A listener's estimate of how long ``text`` takes to say at an IVR's unhurried pace.

    Mandarin runs about four syllables (characters) a second, English about two and a half
    words a second, and each sentence break adds a short pause. Used for the "prompt too long"
    warning, where a rough figure is all that is needed.
    """
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(_CJK.sub(" ", text)))
    pauses = len(_PAUSE.findall(text))
    return cjk / 4.0 + words / 2.5 + pauses * 0.3


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


def options_prompt(tree: Tree, node: MenuNode, lang: str) -> str:
    """The menu's intro, its options, and the global keys, as one utterance."""
    parts = [node.prompt[lang]] if node.prompt is not None else []
    parts += [
        announce(tree, option_label(tree, o, lang), o.key, lang, action=o.action != "goto" and o.label is None)
        for o in node.options
    ]
    parts.append(global_keys_hint(tree, lang))
    return join(parts)


def global_keys_hint(tree: Tree, lang: str) -> str:
    keys = tree.defaults.keys
    return tree.message(
        "global_keys",
        lang,
        repeat=key_spoken(tree, keys.repeat, lang),
        back=key_spoken(tree, keys.back, lang),
        help=key_spoken(tree, keys.help, lang),
        end_call=key_spoken(tree, keys.end_call, lang) if keys.end_call else "",
    )


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


def short_menu(tree: Tree, choices: tuple[str, ...], lang: str) -> str:
    """A built-in menu (after hours, after a failed transfer): each choice's key from ``defaults.keys``."""
    keys = tree.defaults.keys
    parts = [announce(tree, tree.message(f"label_{c}", lang), getattr(keys, c), lang, action=True) for c in choices]
    parts.append(global_keys_hint(tree, lang))
    return join(parts)


CLOSED_CHOICES = ("leave_message", "hear_number")
FAILED_CHOICES = ("retry", "hear_number")
