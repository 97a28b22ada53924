"""Composes what the caller hears from the config's pieces: one place, so every consumer agrees.

The call flow, the validator (how long is this menu to listen to?), the audio build (which
texts exist?) and the diagrams all need the same sentences. Menus announce each option with
the language's ``option`` message ("{label}，请按{key}。"), so a key lives in exactly one place
in the file and a prompt can never say "press 3" for an option that moved to 4.
"""

from __future__ import annotations

import re
import unicodedata

from ivr.model import Hotline, InfoNode, LanguageNode, MenuNode, Option, Tree

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


def announce(tree: Tree, label: str, key: str, lang: str) -> str:
    return tree.message("option", lang, label=label, key=key_spoken(tree, key, lang))


def options_prompt(tree: Tree, node: MenuNode, lang: str) -> str:
    """The menu's intro, its options, and the global keys, as one utterance."""
    parts = [node.prompt[lang]] if node.prompt is not None else []
    parts += [announce(tree, option_label(tree, o, lang), o.key, lang) for o in node.options]
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


def join(parts: list[str]) -> str:
    """Sentences joined the way each script writes them: no spaces between Chinese sentences."""
    parts = [p.strip() for p in parts if p and p.strip()]
    if not parts:
        return ""
    out = parts[0]
    for part in parts[1:]:
        wide = unicodedata.east_asian_width(out[-1]) in "WF" and unicodedata.east_asian_width(part[0]) in "WF"
        out += part if wide else " " + part
    return out
