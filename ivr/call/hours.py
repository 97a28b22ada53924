"""When a hotline answers: opening checks in the hotline's own time zone, and how to say its hours.

Pure functions of (hours, instant): the caller's clock is a parameter, never read here, so
tests pin any moment (08:59 vs 09:00 in Asia/Shanghai while UTC is still on the previous day)
and the simulator can place a call "at" any time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from ivr.call.sentences import join
from ivr.menu.model import Hours, TimeRange, Tree

MINUTES_PER_DAY = 24 * 60
SEARCH_DAYS = 366  # how far ahead "next opening" looks before concluding the line never opens


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(hours: Hours, at: datetime) -> datetime:
    """``at`` (an aware instant) on the hotline's wall clock."""
    if at.tzinfo is None:
        raise ValueError("opening checks need an aware datetime (with a time zone)")
    return at.astimezone(zone(hours.timezone))


def ranges_on(hours: Hours, day: date) -> tuple[TimeRange, ...]:
    """A dated exception (holiday, special hours) wins over the weekly pattern."""
    if day in hours.exceptions:
        return hours.exceptions[day]
    return hours.weekly[day.weekday()]


def is_open(hours: Hours | None, at: datetime) -> bool:
    if hours is None:
        return True
    local = local_time(hours, at)
    minute = local.hour * 60 + local.minute
    return any(r.contains(minute) for r in ranges_on(hours, local.date()))


def next_opening(hours: Hours, at: datetime) -> datetime | None:
    """The next local instant the hotline opens after ``at``, or None if it never does within a year."""
    local = local_time(hours, at)
    minute = local.hour * 60 + local.minute
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        for r in ranges_on(hours, day):
            if offset == 0 and r.start <= minute:
                continue
            if r.start == 0 and offset > 0 and _open_at_end_of(hours, day - timedelta(days=1)):
                continue  # open through midnight: not a new opening
            return datetime.combine(day, time(r.start // 60, r.start % 60), tzinfo=zone(hours.timezone))
    return None


def _open_at_end_of(hours: Hours, day: date) -> bool:
    return any(r.end == MINUTES_PER_DAY for r in ranges_on(hours, day))


# --- saying it --------------------------------------------------------------------------------


def time_spoken(tree: Tree, minutes: int, lang: str) -> str:
    """A time of day in the caller's language, from the config's ``time`` / ``time_minutes`` messages."""
    if minutes == 12 * 60 and "noon" in tree.messages:
        return tree.message("noon", lang)
    if minutes in (0, MINUTES_PER_DAY) and "midnight" in tree.messages:
        return tree.message("midnight", lang)
    hour, minute = divmod(minutes, 60)
    hour12 = hour % 12 or 12
    ampm = tree.message("am" if hour < 12 or hour == 24 else "pm", lang)
    if minute:
        return tree.message("time_minutes", lang, hour=hour, hour12=hour12, minute=f"{minute:02d}", ampm=ampm)
    return tree.message("time", lang, hour=hour, hour12=hour12, ampm=ampm)


WHOLE_WEEKS = {(5, 6): "weekends", (0, 6): "every_day"}  # day groups with a name of their own


def days_spoken(tree: Tree, first: int, last: int, lang: str) -> str:
    """ "周一至周五", and "周末" / "every day" where the file names those groups (``weekends``,
    ``every_day``): nobody says "Saturday to Sunday"."""
    named = WHOLE_WEEKS.get((first, last))
    if named is not None and named in tree.messages:
        return tree.message(named, lang)
    names = tree.words["days"][lang]
    if first == last:
        return names[first]
    return tree.message("day_range", lang, first=names[first], last=names[last])


def week_spoken(tree: Tree, hours: Hours, lang: str) -> str:
    """The weekly hours read out, days with equal hours grouped: "周一至周五9点到18点；周末9点到12点".
    Two times of one day are joined by ``hours_within_day`` ("9 a.m. to noon and 1 p.m. to 6 p.m."),
    days by ``hours_separator``, so a lunch break never sounds like the next day."""
    groups: list[tuple[int, int, tuple[TimeRange, ...]]] = []
    for day, ranges in enumerate(hours.weekly):
        if groups and groups[-1][2] == ranges and groups[-1][1] == day - 1:
            groups[-1] = (groups[-1][0], day, ranges)
        else:
            groups.append((day, day, ranges))
    separator = tree.message("hours_separator", lang)
    within = tree.message("hours_within_day", lang) if "hours_within_day" in tree.messages else separator
    parts = []
    for first, last, ranges in groups:
        if not ranges:
            continue
        days = days_spoken(tree, first, last, lang)
        if ranges == (TimeRange(0, MINUTES_PER_DAY),):
            parts.append(tree.message("hours_all_day", lang, days=days))
            continue
        spans = [
            tree.message(
                "hours_span",
                lang,
                days=days if i == 0 else "",
                start=time_spoken(tree, r.start, lang),
                end=time_spoken(tree, r.end, lang),
            ).lstrip(" ,，、")
            for i, r in enumerate(ranges)
        ]
        parts.append(join(spans, within))
    return join(parts, separator)


def opening_spoken(tree: Tree, hours: Hours, at: datetime, lang: str) -> str | None:
    """ "It opens again tomorrow at 9 a.m.", or None when no opening is found."""
    opening = next_opening(hours, at)
    if opening is None:
        return None
    days_ahead = (opening.date() - local_time(hours, at).date()).days
    day = opening_day_spoken(tree, days_ahead, opening.weekday(), lang)
    minutes = opening.hour * 60 + opening.minute
    return tree.message("next_open", lang, day=day, time=time_spoken(tree, minutes, lang))


def opening_day_spoken(tree: Tree, days_ahead: int, weekday: int, lang: str) -> str:
    if days_ahead == 0:
        return tree.message("today", lang)
    if days_ahead == 1:
        return tree.message("tomorrow", lang)
    return tree.words["days"][lang][weekday]


def opening_minutes(hours: Hours) -> set[int]:
    """Every minute of the day at which this hotline can open: the finite variants of "opens at …"."""
    starts = {r.start for ranges in hours.weekly for r in ranges}
    starts |= {r.start for ranges in hours.exceptions.values() for r in ranges}
    return starts
