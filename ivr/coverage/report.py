"""What a walk found: the tree's coverage items, the findings, the cost, and the report as JSON.

:func:`coverage_items` is the denominator -- every node, option and branch the tree promises, per
language -- and :class:`Report` holds what the explorer ticked off and found (``ivr paths`` prints
it as text; :meth:`Report.to_dict` is its ``--json``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ivr.coverage.moments import Moment
from ivr.coverage.places import DIAL_OUTCOMES
from ivr.menu.model import LanguageNode, MenuNode, TransferNode, Tree


@dataclass
class Finding:
    """An error (fails the run) or warning, with one shortest reproduction and how often it was seen."""

    severity: str
    kind: str  # twiml, http, simulator guard, dead-end, loop, app-log, wrong-target, call-ended
    message: str
    url: str
    moment: str
    at: str
    script: str
    count: int = 1
    key: tuple[str, ...] = field(default=(), repr=False)  # what makes two findings the same one

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "kind": self.kind,
            "message": self.message,
            "url": self.url,
            "moment": self.moment,
            "at": self.at,
            "script": self.script,
            "count": self.count,
        }


@dataclass
class Item:
    """One thing the tree says can happen, per language: covered, not yet, or impossible (n/a)."""

    group: str  # nodes, options, no-input cap, no-match cap, dial outcomes, after hours
    id: str
    lang: str
    covered: bool = False
    na: str = ""  # why it cannot happen in this tree

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "id": self.id, "lang": self.lang, "covered": self.covered, "na": self.na}


GROUPS = ("nodes", "options", "no-input cap", "no-match cap", "dial outcomes", "after hours")
FAILING_GROUPS = ("nodes", "options")  # never reaching these fails the run; branches are listed


@dataclass
class Stats:
    waiting_points: int = 0
    explored: int = 0
    calls: int = 0
    placed: int = 0
    forked: int = 0
    requests: int = 0
    variants: int = 0  # waiting points left alone: like an explored one but for the way back
    seconds: float = 0.0
    strategy: str = "fork"
    bound: str = ""  # which bound stopped the walk, if one did

    def to_dict(self) -> dict[str, Any]:
        return {
            "waiting_points": self.waiting_points,
            "explored": self.explored,
            "calls": self.calls,
            "placed": self.placed,
            "forked": self.forked,
            "requests": self.requests,
            "trail_variants_not_explored": self.variants,
            "seconds": round(self.seconds, 2),
            "strategy": self.strategy,
            "bound": self.bound or None,
        }


@dataclass
class Report:
    """The result of a walk: coverage items, findings and what it cost."""

    menu: str
    languages: tuple[str, ...]
    moments: list[Moment]
    items: list[Item]
    findings: list[Finding]
    stats: Stats
    hotline_notes: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def missing(self) -> list[Item]:
        """Items that exist in the tree but were never reached."""
        return [i for i in self.items if not i.covered and not i.na]

    @property
    def ok(self) -> bool:
        """No error, and every node and option reached (uncovered branches are listed, not fatal)."""
        return not self.errors and not any(i.group in FAILING_GROUPS for i in self.missing)

    def tally(self, group: str, lang: str) -> tuple[int, int, int]:
        """(covered, total, n/a) of one group in one language."""
        items = [i for i in self.items if i.group == group and i.lang == lang]
        na = sum(1 for i in items if i.na)
        return sum(1 for i in items if i.covered), len(items) - na, na

    def to_dict(self) -> dict[str, Any]:
        return {
            "menu": self.menu,
            "ok": self.ok,
            "moments": [
                {"name": m.name, "at": m.at.isoformat(), "open": sorted(m.open), "closed": sorted(m.closed)}
                for m in self.moments
            ],
            "hotlines": self.hotline_notes,
            "coverage": {
                group: {
                    lang: dict(zip(("covered", "total", "na"), self.tally(group, lang), strict=True))
                    for lang in self.languages
                }
                for group in GROUPS
            },
            "not_covered": [i.to_dict() for i in self.missing],
            "items": [i.to_dict() for i in self.items],
            "findings": [f.to_dict() for f in self.findings],
            "stats": self.stats.to_dict(),
        }


# --- the denominators ---------------------------------------------------------------------------


def coverage_items(tree: Tree, moments: list[Moment]) -> tuple[dict[tuple[str, str, str], Item], dict[str, str]]:
    """Every node, option and branch the tree promises, per language, keyed (group, id, lang)."""
    items: dict[tuple[str, str, str], Item] = {}
    langs = tuple(tree.languages)

    def add(group: str, ident: str, lang: str, na: str = "") -> None:
        items[(group, ident, lang)] = Item(group, ident, lang, na=na)

    closed_somewhere = {h for m in moments for h in m.closed}
    open_somewhere = {h for m in moments for h in m.open}
    notes: dict[str, str] = {}
    for hid, hotline in tree.hotlines.items():
        if hotline.hours is None:
            notes[hid] = "no hours: always open, no after-hours branch"
        elif hid not in closed_somewhere:
            notes[hid] = "open around the clock: no after-hours branch"
        elif hid not in open_somewhere:
            notes[hid] = "never open in the scanned week: no transfer"
        else:
            notes[hid] = "open and closed: both explored"
    for node in tree.nodes.values():
        for lang in langs:
            add("nodes", node.id, lang)
        if isinstance(node, LanguageNode):
            for option in node.options:
                add("options", f"{node.id} {option.key}", option.language)
            add("no-input cap", node.id, tree.default_language)
            add("no-match cap", node.id, tree.default_language)
        elif isinstance(node, MenuNode):
            for lang in langs:
                for option in node.options:
                    add("options", f"{node.id} {option.key}", lang)
                add("no-input cap", node.id, lang)
                add("no-match cap", node.id, lang)
        elif isinstance(node, TransferNode):
            hotline = tree.hotlines.get(node.hotline)
            never_open = bool(hotline and hotline.hours is not None and node.hotline not in open_somewhere)
            for lang in langs:
                for status in DIAL_OUTCOMES:
                    add("dial outcomes", f"{node.id} {status}", lang, "hotline never open" if never_open else "")
                na = "" if node.hotline in closed_somewhere else notes.get(node.hotline, "no hotline")
                add("after hours", node.id, lang, na)
                add("no-input cap", node.id, lang)  # the built-in short menu (after hours or after a failed dial)
                add("no-match cap", node.id, lang)
    return items, notes


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then by kind and message: the order a reader fixes them in."""
    return sorted(findings, key=lambda f: (f.severity != "error", f.kind, f.message))
