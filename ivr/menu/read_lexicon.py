"""The ``lexicon`` section: per language, words the synthesizer would misread, with how to say them.

```yaml
lexicon:
  zh-CN:
    还款: huan2 kuan3        # pypinyin's dictionary has hái kuǎn
    重听: chong2 ting1
  en-US:
    WeChat: wee chat
```

A Mandarin reading is tone-numbered pinyin, one syllable per Chinese character of the word (a word
in Latin letters, such as a brand name, may have any number), each syllable from the standard table
(``ivr.menu.pinyin``): a typo is an error at its line, because espeak-ng would say it as noise. A
reading in another language is a respelling (plain words the voice reads right). The section is
optional; a language may be left out.
"""

from __future__ import annotations

import re

from ivr.menu.model import Pronunciation, frozen_map
from ivr.menu.pinyin import is_han, is_mandarin, is_syllable, normalise
from ivr.menu.reading import Reading
from ivr.menu.yaml_source import LocatedDict

_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’\-]*(?: [A-Za-z][A-Za-z0-9'’\-]*)*")


def read_lexicon(reading: Reading, data: LocatedDict) -> dict[str, dict[str, Pronunciation]]:
    section = data.get("lexicon")
    if section is None:
        return {}
    if not isinstance(section, LocatedDict):
        reading.error(data.line_of("lexicon"), "'lexicon' must list words per language (zh-CN: {还款: huan2 kuan3})")
        return {}
    result: dict[str, dict[str, Pronunciation]] = {}
    for lang, entries in section.items():
        line = section.line_of(lang)
        if lang not in reading.langs:
            reading.error(line, f"lexicon names '{lang}', which is not a declared language")
            continue
        if entries is None:
            continue
        if not isinstance(entries, LocatedDict):
            reading.error(line, f"lexicon {lang} must map words to readings ('word: reading' lines)")
            continue
        words = {}
        for word, value in entries.items():
            entry = _entry(reading, str(lang), str(word), value, entries.line_of(word))
            if entry is not None:
                words[entry.word] = entry
        result[str(lang)] = frozen_map(words)
    return result


def _entry(reading: Reading, lang: str, word: str, value: object, line: int) -> Pronunciation | None:
    what = f"lexicon {lang} '{word}'"
    if not isinstance(value, str) or not value.strip():
        reading.error(line, f"{what} needs a reading (text after the colon)")
        return None
    parts = tuple(value.split())
    if not is_mandarin(lang):
        return Pronunciation(word, parts, reading.src(line))
    han = all(is_han(c) for c in word)
    if not han and not _LATIN_WORD.fullmatch(word):
        reading.error(line, f"{what}: a word is Chinese characters only, or Latin letters only (a brand name)")
        return None
    bad = [s for s in parts if not is_syllable(s)]
    if bad:
        reading.error(
            line,
            f"{what}: {', '.join(repr(s) for s in bad)} is not a tone-numbered pinyin syllable; "
            "write each syllable with its tone 1-5, e.g. huan2 kuan3 (ü as v: lv4)",
        )
        return None
    if han and len(parts) != len(word):
        reading.error(
            line,
            f"{what} has {len(word)} characters but {len(parts)} syllables ({value!r}): "
            "give one syllable per character",
        )
        return None
    return Pronunciation(word, tuple(normalise(s) for s in parts), reading.src(line))
