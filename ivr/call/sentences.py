"""Joining sentences and pieces the way each script writes them.

Chinese runs sentences together with no spaces ("…问题。退款，请按1。"); English needs one space
between them. YAML editors cannot be trusted to keep a trailing space inside quotes (and the
loader folds white space anyway), so spacing is decided here, from the characters themselves.
"""

from __future__ import annotations

import unicodedata


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def join(parts: list[str], separator: str = "") -> str:
    """Join non-empty ``parts`` (each followed by ``separator`` but the last), spacing only between
    narrow (Latin) characters: "Monday…; Saturday…" but "周一…；周六…". A separator that is a word
    ("and") is spaced on both sides: "9 a.m. to noon and 1 p.m. to 6 p.m."; punctuation sticks to
    what precedes it."""
    parts = [p.strip() for p in parts if p and p.strip()]
    separator = separator.strip()
    if not parts:
        return ""
    out = parts[0]
    for part in parts[1:]:
        if separator:
            word = separator[0].isalnum() and not _wide(separator[0]) and not _wide(out[-1])
            out += (" " if word else "") + separator
        out += part if _wide(out[-1]) or _wide(part[0]) else " " + part
    return out
