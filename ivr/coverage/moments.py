"""The clock moments a walk is made at: instants when each hotline with hours is open, and closed.

A hotline's after-hours branch needs a clock at which it is closed, its transfer a clock at which it
is open. :func:`choose_moments` scans one week of the tree's hours for instants where each hotline
with hours is open in one and closed in another; a hotline open around the clock simply has no
after-hours branch (reported as n/a by :func:`ivr.coverage.report.coverage_items`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ivr.call.hours import is_open, ranges_on, zone
from ivr.menu.model import Tree

#: A quiet, ordinary week (no holidays in the shipped tree) in which the hours are scanned.
REFERENCE_WEEK = date(2026, 6, 1)  # a Monday


@dataclass(frozen=True)
class Moment:
    """One instant the line is explored at, and which hotlines with hours are open then."""

    name: str
    at: datetime
    open: frozenset[str]
    closed: frozenset[str]


def choose_moments(tree: Tree, week: date = REFERENCE_WEEK) -> list[Moment]:
    """As few instants as possible such that every hotline with hours is open at one and closed at another.

    The first is the instant with the most hotlines open ("open"); the rest are picked greedily to
    close whatever is still open everywhere ("closed", "closed 2", …). Opening hours are piecewise
    constant, so only the middle of each stretch between two opening/closing instants is examined.
    """
    timed = {hid: h.hours for hid, h in tree.hotlines.items() if h.hours is not None}
    start = datetime.combine(week, time(0), tzinfo=UTC)
    end = start + timedelta(days=7)
    if not timed:
        return [Moment("open", start + timedelta(hours=2), frozenset(), frozenset())]
    edges = {start, end}
    for hours in timed.values():
        tz = zone(hours.timezone)
        for offset in range(-1, 9):
            day = week + timedelta(days=offset)
            for r in ranges_on(hours, day):
                for minute in (r.start, r.end):
                    local = datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=minute)
                    if start < local < end:
                        edges.add(local.astimezone(UTC))
    candidates = []
    for a, b in itertools.pairwise(sorted(edges)):
        middle = (a + (b - a) / 2).replace(second=0, microsecond=0)
        opened = frozenset(hid for hid, hours in timed.items() if is_open(hours, middle))
        candidates.append(Moment("", middle, opened, frozenset(timed) - opened))
    first = max(candidates, key=lambda m: (len(m.open), -m.at.timestamp()))
    chosen = [Moment("open", first.at, first.open, first.closed)]
    needs = set().union(*(_offers(m) for m in candidates)) - _offers(first)
    while needs:
        best = max(candidates, key=lambda m: (len(needs & _offers(m)), len(m.closed), -m.at.timestamp()))
        needs -= _offers(best)
        name = "closed" if len(chosen) == 1 else f"closed {len(chosen)}"
        chosen.append(Moment(name, best.at, best.open, best.closed))
    return chosen


def _offers(moment: Moment) -> set[tuple[str, bool]]:
    """What exploring at ``moment`` shows: (hotline, open?) for each hotline with hours."""
    return {(h, True) for h in moment.open} | {(h, False) for h in moment.closed}


def describe_moment(moment: Moment, tree: Tree) -> str:
    """The instant in the hotlines' own time zone when they share one (people read hours that way)."""
    zones = {h.hours.timezone for h in tree.hotlines.values() if h.hours is not None}
    at = moment.at.astimezone(zone(zones.pop())) if len(zones) == 1 else moment.at
    return f"{at:%a %Y-%m-%d %H:%M} {at.tzinfo}"
