"""Reading verb attributes the way Twilio does: an invalid value falls back to the default.

Invalid values are reported separately (by :mod:`.twiml_schema`); these helpers only decide what
the call does with them, so the interpreter never stops on a typo the way a parser would.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urljoin

from ivr.simulator.twiml_schema import Node


@lru_cache(maxsize=8192)
def resolve(base: str, url: str) -> str:
    """``url`` (an attribute or noun: action, Redirect, Play) made absolute against the document's URL.

    A pure function of its two strings; a walk of every path resolves the same few thousand
    pairs again and again (each fork re-enters its verb), so each is worked out once.
    """
    return urljoin(base, url)


def int_attr(node: Node, name: str, default: int | None, minimum: int = 0) -> int | None:
    """``node``'s integer attribute ``name``, or ``default`` when absent, not a number or below ``minimum``."""
    raw = node.attrs.get(name)
    if raw is None or not raw.strip().isdigit() or int(raw) < minimum:
        return default  # an invalid value was already reported as 12200; Twilio uses the default
    return int(raw)


def bool_attr(node: Node, name: str, default: bool) -> bool:
    """``node``'s ``true``/``false`` attribute ``name``, or ``default`` for anything else."""
    raw = node.attrs.get(name)
    return default if raw not in ("true", "false") else raw == "true"


def method_attr(node: Node, name: str = "method") -> str:
    """``GET`` or ``POST`` from attribute ``name``; Twilio's default, POST, for anything else."""
    raw = node.attrs.get(name, "POST").upper()
    return raw if raw in ("GET", "POST") else "POST"


def own_text(node: Node) -> str:
    """Text directly inside ``node`` (not inside its child nouns)."""
    return " ".join("".join(c for c in node.children if isinstance(c, str)).split())
