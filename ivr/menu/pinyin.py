"""Tone-numbered Hanyu Pinyin: which syllables exist, and which languages of a menu are Mandarin.

The menu file's ``lexicon`` gives Mandarin readings as tone-numbered pinyin ("huan2 kuan3"), and
espeak-ng's ``sit/cmn-latn-pinyin`` voice reads whatever it is given: a typo such as "hxan2" is
spoken as garbage, never refused. So the loader checks every syllable against the standard
syllable table, shipped as package data (``data/pinyin_syllables.txt``, 407 toneless syllables, ü
written ``v``, plus ``data/pinyin_syllables_extra.txt``, the interjections pypinyin can emit such as
嗯 n2). pypinyin ships no such inventory (only initials and finals).

Tones are 1-4, and 5 for the neutral tone: a syllable without a digit is read as tone 1 at the start
of an utterance by espeak-ng, so a reading must always carry its tone. ``ü`` and ``u:`` are accepted
and normalised to ``v`` (espeak-ng misreads ``u:4`` as "u" followed by the digit four).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_SYLLABLE = re.compile(r"([a-zê]+)([1-5])")
_HAN = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
MANDARIN_SUBTAGS = frozenset({"zh", "cmn"})
NOT_MANDARIN = frozenset({"yue", "hak", "nan", "wuu", "hsn", "gan"})  # Chinese languages with other sounds


@cache
def _inventory(name: str) -> frozenset[str]:
    text = resources.files("ivr.menu").joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def syllables() -> frozenset[str]:
    """Every toneless syllable a reading may use (the standard table and the interjections)."""
    return _inventory("pinyin_syllables.txt") | _inventory("pinyin_syllables_extra.txt")


def normalise(syllable: str) -> str:
    """``Lü4`` / ``lu:4`` → ``lv4``: the spelling espeak-ng reads right and pypinyin emits."""
    return syllable.lower().replace("u:", "v").replace("ü", "v")


def is_syllable(syllable: str) -> bool:
    """True for one tone-numbered syllable of the table: ``huan2``, ``lv4``, ``de5``; not ``huan``, ``hxan2``."""
    match = _SYLLABLE.fullmatch(normalise(syllable))
    return bool(match) and match.group(1) in syllables()


def is_han(char: str) -> bool:
    """A Chinese character (CJK unified ideographs and their extensions, 〇)."""
    return bool(_HAN.fullmatch(char))


def is_mandarin(lang: str) -> bool:
    """Whether a menu language is Mandarin (``zh-CN``, ``zh-TW``, ``cmn-Hans-CN``), so read through pinyin."""
    subtags = lang.lower().split("-")
    return subtags[0] in MANDARIN_SUBTAGS and not NOT_MANDARIN & set(subtags) and "hk" not in subtags[1:]
