"""What the synthesizer is actually given for a text: the phonetic text, per language, from the menu's config.

A prompt is written for people ("退款，请按1。", "Press # when you're done."); espeak-ng needs it
spelled out for the ear:

- ``*`` and ``#`` become the config's ``key_names`` in that language ("星号键", "pound"), never the
  symbol (espeak-ng says "hash" and "asterisk" in every language);
- Mandarin (``ivr.menu.pinyin.is_mandarin``) becomes tone-numbered pinyin (``ivr.audio.mandarin``),
  with the menu's ``lexicon`` for the words pypinyin gets wrong;
- in other languages, a phone number (digits in hyphenated groups, or five or more digits in a row) is
  read digit by digit (espeak-ng says "95188" as ninety-five thousand …), and lexicon words are replaced
  by their respelling, as whole words.

The phonetic text is part of a prompt's cache key (``ivr.audio.cache``): changing a lexicon entry
changes exactly the prompts that contain the word, and only those are rendered again.
``ivr audio say`` prints it, so an editor can hear and read what the line will say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ivr.audio import mandarin
from ivr.menu.model import Pronunciation, Text, Tree
from ivr.menu.pinyin import is_mandarin

_KEY_SYMBOLS = {"#": "#", "＃": "#", "*": "*", "＊": "*"}
_PHONE_NUMBER = re.compile(r"(?<!\d)(?<!\d[.,])(?:\d+(?:-\d+)+|\d{5,})(?![.,]?\d)")
_SPACE_BEFORE_STOP = re.compile(r"\s+(?=[.,;:!?])")


class Pronouncer:
    """Turns a text in a language into what the synthesizer is given, with one menu's lexicon and key names."""

    def __init__(
        self,
        lexicon: Mapping[str, Mapping[str, Pronunciation]] | None = None,
        key_names: Mapping[str, Text] | None = None,
    ):
        self._lexicon = {lang: {w: p.reading for w, p in words.items()} for lang, words in (lexicon or {}).items()}
        self._key_names = dict(key_names or {})
        self._words: dict[str, re.Pattern[str] | None] = {}  # per language: the lexicon's words, longest first
        self._casefold: dict[str, dict[str, str]] = {}  # per language: lower-case word -> the lexicon's spelling

    @classmethod
    def for_tree(cls, tree: Tree) -> Pronouncer:
        return cls(tree.lexicon, tree.key_names)

    def phonetic(self, text: str, lang: str) -> str:
        """The exact text sent to the synthesizer for ``text`` in ``lang``."""
        text = self._keys(text, lang)
        lexicon = self._lexicon.get(lang, {})
        if is_mandarin(lang):
            return mandarin.to_pinyin(text, lexicon)
        text = _PHONE_NUMBER.sub(_digit_by_digit, text)
        pattern = self._word_pattern(lang)
        if pattern is not None:
            text = pattern.sub(lambda m: " ".join(self._lexicon[lang][self._casefold[lang][m.group().lower()]]), text)
        return _SPACE_BEFORE_STOP.sub("", " ".join(text.split()))

    def _word_pattern(self, lang: str) -> re.Pattern[str] | None:
        if lang not in self._words:
            words = sorted(self._lexicon.get(lang, {}), key=len, reverse=True)
            self._casefold[lang] = {w.lower(): w for w in words}
            alternatives = "|".join(re.escape(w) for w in words)
            self._words[lang] = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I) if words else None
        return self._words[lang]

    def _keys(self, text: str, lang: str) -> str:
        """``#`` → the key's name: "请按#号键" → "请按井号键" (the name's ending is not said twice)."""
        if not any(c in _KEY_SYMBOLS for c in text):
            return text
        out: list[str] = []
        for i, char in enumerate(text):
            key = _KEY_SYMBOLS.get(char)
            name = self._key_names.get(key).get(lang, "") if key and key in self._key_names else ""
            if not name:
                out.append(char if not key else " ")
                continue
            following = text[i + 1 :]
            cut = next((j for j in range(1, len(name)) if following.startswith(name[j:])), len(name))
            said = name[:cut]
            out.append(said if is_mandarin(lang) else f" {said} ")
        return "".join(out)


def _digit_by_digit(match: re.Match[str]) -> str:
    """ "400-606-5500" → "4 0 0, 6 0 6, 5 5 0 0": each digit, with a pause between the groups."""
    return ", ".join(" ".join(group) for group in match.group().split("-"))
