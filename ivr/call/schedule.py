"""A hotline's day as callers meet it: when it is open, and what a caller asking for it is told.

``ivr hours`` shows this so a holiday edit can be checked before it goes live. The words are not
composed here: each stretch of the day is "called" through ``ivr.call.flow.enter`` at the hotline's
transfer node, at the first minute of the stretch, so what is printed is exactly what the line says
(the spoken hours, "opens again …", the short menu; or the tip and "connecting you").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from ivr.call import flow, prompts
from ivr.call.callstate import CallState
from ivr.call.hours import MINUTES_PER_DAY, is_open, opening_spoken, ranges_on, zone
from ivr.menu.model import Hotline, TimeRange, TransferNode, Tree


@dataclass(frozen=True)
class Stretch:
    """Part of a day that is all open or all closed, and what a caller is told in it, per language."""

    start: int  # minutes after local midnight
    end: int
    open: bool
    told: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class HotlineDay:
    hotline: Hotline
    day: date
    special: bool  # the day's hours come from the hotline's dates (a holiday, a make-up working day)
    ranges: tuple[TimeRange, ...] | None  # None: no hours, always open
    stretches: tuple[Stretch, ...]


def hotline_day(tree: Tree, hotline_id: str, day: date, langs: Sequence[str] | None = None) -> HotlineDay:
    """``day`` (a date on the hotline's own clock) for one hotline."""
    hotline = tree.hotlines[hotline_id]
    langs = tuple(langs or tree.language_codes)
    hours = hotline.hours
    ranges = None if hours is None else ranges_on(hours, day)
    pieces = [(0, MINUTES_PER_DAY, True)] if ranges is None else _pieces(ranges)
    stretches = tuple(
        Stretch(start, end, is_open, {lang: told(tree, hotline, _at(hotline, day, start), lang) for lang in langs})
        for start, end, is_open in pieces
    )
    special = hours is not None and day in hours.exceptions
    return HotlineDay(hotline, day, special, ranges, stretches)


def told(tree: Tree, hotline: Hotline, at: datetime, lang: str) -> tuple[str, ...]:
    """What a caller asking for ``hotline`` at ``at`` hears, through the call flow at its transfer node."""
    node = next((n for n in tree.nodes.values() if isinstance(n, TransferNode) and n.hotline == hotline.id), None)
    if node is None:  # no transfer leads there (``ivr validate`` warns): say what one would
        if is_open(hotline.hours, at):
            return (prompts.connecting(tree, hotline, lang),)
        opening = opening_spoken(tree, hotline.hours, at, lang) if hotline.hours else None
        return tuple(t for t in (prompts.closed_notice(tree, hotline, lang), opening) if t)
    said: list[str] = []
    for action in flow.enter(tree, CallState(node.id, lang), at):
        if isinstance(action, flow.Say):
            said.append(action.text)
        elif isinstance(action, flow.Listen):
            said += [p.text for p in action.prompts]
    return tuple(said)


def _at(hotline: Hotline, day: date, minute: int) -> datetime:
    name = hotline.hours.timezone if hotline.hours else "UTC"
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone(name))


def _pieces(ranges: tuple[TimeRange, ...]) -> list[tuple[int, int, bool]]:
    """The day cut at every opening and closing: (start, end, open), covering 00:00 to 24:00."""
    pieces, at = [], 0
    for r in sorted(ranges):
        if r.start > at:
            pieces.append((at, r.start, False))
        pieces.append((r.start, r.end, True))
        at = r.end
    if at < MINUTES_PER_DAY:
        pieces.append((at, MINUTES_PER_DAY, False))
    return pieces


def clock(minutes: int) -> str:
    """``09:00``; ``24:00`` for the end of the day, as the menu file writes it."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def ranges_text(ranges: tuple[TimeRange, ...] | None) -> str:
    if ranges is None:
        return "open around the clock"
    if not ranges:
        return "closed"
    return ", ".join(f"{clock(r.start)}-{clock(r.end)}" for r in ranges)
