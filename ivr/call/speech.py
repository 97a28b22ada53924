"""Matching what a caller said (Twilio's ``SpeechResult``) to a menu's choices.

Recognisers return text in whatever width, case and punctuation they like ("退款。",
"Refund!", "ＲＥＦＵＮＤ"), and Chinese has no spaces between words, so matching works on
normalised text: Chinese keywords match as substrings, other keywords as whole words (so
"back" does not fire inside "cashback"). The longest matching keyword wins; a tie between
different choices is no choice at all, and the caller is asked again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def normalise(text: str) -> str:
    """NFKC (full-width to ASCII), case-folded, punctuation to spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in text)
    return " ".join(text.split())


def spoken_key(speech: str, keys: Iterable[str]) -> str | None:
    """A caller who says just "2" (or "２", "2.") meant the key 2."""
    compact = normalise(speech).replace(" ", "")
    return compact if compact in set(keys) else None


def match(speech: str, choices: Iterable[tuple[str, T]]) -> T | None:
    """The choice whose keyword best matches ``speech``; None when nothing or several tie."""
    said = normalise(speech)
    if not said:
        return None
    said_compact = said.replace(" ", "")
    best_len, best = 0, []
    for keyword, value in choices:
        word = normalise(keyword)
        if not word:
            continue
        if _CJK.search(word):
            hit = word.replace(" ", "") in said_compact
        else:
            hit = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", said) is not None
        if not hit:
            continue
        if len(word) > best_len:
            best_len, best = len(word), [value]
        elif len(word) == best_len and value not in best:
            best.append(value)
    return best[0] if len(best) == 1 else None
