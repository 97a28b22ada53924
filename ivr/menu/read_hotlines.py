"""The ``hotlines`` section: the numbers callers are transferred to, and the hours each one is open.

A number must be one Twilio can dial by the hotline's route (``ivr.menu.read_transfers``); hours
are a time zone, weekly ranges per day set (``mon-fri: "09:00-18:00"``) and dated exceptions
(holidays, special openings).
"""

from __future__ import annotations

import contextlib
import itertools
import re
import unicodedata
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ivr.menu.fields import Field, Shape, one_of_values, section, string_of
from ivr.menu.model import ROUTES, Hotline, Hours, TimeRange, Transfers, frozen_map
from ivr.menu.read_transfers import check_route, read_route
from ivr.menu.reading import ID_PATTERN, ID_SHAPE, TEXT_SHAPE, Reading
from ivr.menu.yaml_source import LocatedDict, LocatedList

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIME_RANGE = r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*"


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" for c in word)


_DAY = "(" + "|".join(_any_case(d) for d in DAY_NAMES) + ")"
_DAYS = rf"{_DAY}(\s*-\s*{_DAY})?"
RANGES_SHAPE: Shape = {  # what _ranges reads: closed, a range, or a list of ranges
    "anyOf": [
        {"type": "string", "pattern": f"^\\s*{_any_case('closed')}\\s*$"},
        {"type": "string", "pattern": f"^{TIME_RANGE}$"},
        {"type": "array", "items": {"type": "string", "pattern": f"^{TIME_RANGE}$"}, "minItems": 1},
    ],
    "description": 'opening hours that day: "09:00-18:00", a list of ranges, or closed',
}
HOURS_FIELDS = {
    "timezone": Field("the IANA time zone the hours are in, e.g. Asia/Shanghai", string_of(), required=True),
    "weekly": Field(
        "hours per day set: mon … sun, a range (mon-fri), a list (mon,wed) or daily; a day not listed is closed",
        {
            "type": "object",
            "propertyNames": {"pattern": f"^\\s*({_any_case('daily')}|{_DAYS}(\\s*,\\s*{_DAYS})*)\\s*$"},
            "additionalProperties": RANGES_SHAPE,
        },
        required=True,
    ),
    "dates": Field(
        "dated exceptions (YYYY-MM-DD): a holiday (closed), or a day's own hours, which replace the weekly ones"
        " (a make-up working day on a weekend, short hours on New Year's Eve)",
        {"type": "object", "propertyNames": {"pattern": r"^\d{4}-\d{2}-\d{2}$"}, "additionalProperties": RANGES_SHAPE},
    ),
}
HOTLINE_FIELDS = {
    "name": Field("the hotline's name in every language, said when transferring", TEXT_SHAPE, required=True),
    "number": Field(
        'the number to dial, in quotes: "95188", "400-606-5500", "+86 10 1234 5678"',
        string_of(r"^\s*[+＋]?[0-9０-９][0-9０-９\s\-().]*$"),
        required=True,
    ),
    "route": Field(
        "pstn (Twilio dials the number, which must then be E.164) or sip (through the SIP trunk);"
        " default: the transfers section's route",
        one_of_values(ROUTES),
    ),
    "spoken": Field("how the number is read out, per language (default: digit by digit)", TEXT_SHAPE),
    "hours": Field("when a person answers; leave out for always open", section(HOURS_FIELDS)),
}
HOTLINES_SHAPE: Shape = {"type": "object", "propertyNames": ID_SHAPE, "additionalProperties": section(HOTLINE_FIELDS)}


def read_hotlines(reading: Reading, data: LocatedDict, transfers: Transfers | None = None) -> dict[str, Hotline]:
    """Every hotline, each with its route: its own ``route``, else the ``transfers`` section's default."""
    default_route = transfers.route if transfers else "pstn"
    section = reading.section(data, "hotlines", "the file", required=False)
    if section is None:
        return {}
    result = {}
    for hotline_id, spec in section.items():
        line = section.line_of(hotline_id)
        what = f"hotline '{hotline_id}'"
        if not isinstance(hotline_id, str) or not ID_PATTERN.match(hotline_id):
            reading.error(line, f"{what}: ids are lower-case letters, digits and '_', starting with a letter")
            continue
        if not isinstance(spec, LocatedDict):
            reading.error(line, f"{what} must have a name, number and hours")
            reading.broken_hotlines.add(hotline_id)
            continue
        reading.fields(spec, HOTLINE_FIELDS, what)
        name = reading.text(spec.get("name"), spec.line_of("name"), f"{what} name")
        number = _dial_number(reading, spec.get("number"), spec.line_of("number"), what)
        spoken = None
        if "spoken" in spec:
            spoken = reading.text(spec["spoken"], spec.line_of("spoken"), f"{what} spoken number")
        hours = None
        if "hours" in spec:
            hours = _hours(reading, spec["hours"], spec.line_of("hours"), what)
        route = read_route(reading, spec, what) if "route" in spec else default_route
        if name and number and route:
            hotline = Hotline(
                id=hotline_id,
                name=name,
                number=number,
                number_display=str(spec["number"]),
                spoken=spoken,
                hours=hours,
                source=reading.src(line),
                lines=reading.lines(spec),
                route=route,
            )
            zone = spec["hours"].get("timezone") if isinstance(spec.get("hours"), LocatedDict) else None
            if check_route(reading, hotline, spec.line_of("number"), zone):
                result[hotline_id] = hotline
            else:
                reading.broken_hotlines.add(hotline_id)
        else:
            reading.broken_hotlines.add(hotline_id)
    return result


def _dial_number(reading: Reading, value: Any, line: int, what: str) -> str | None:
    """A number Twilio can <Dial>: digits with an optional leading '+', spaces and dashes allowed."""
    if value is None:
        reading.error(line, f"{what} has no 'number'")
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        reading.error(line, f'{what} number must be in quotes ("{value}"), or a leading 0 would be lost')
        return None
    if not isinstance(value, str):
        reading.error(line, f'{what} number must be text like "400-606-5500"')
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    compact = re.sub(r"[\s\-().]", "", text)
    if not re.fullmatch(r"\+?[0-9]+", compact):
        bad = sorted({c for c in compact if not (c.isdigit() or c == "+")})
        reading.error(
            line,
            f"{what} number '{value}' cannot be dialed: it has {', '.join(repr(c) for c in bad)};"
            " use digits, spaces and dashes, with an optional leading +",
        )
        return None
    digits = compact.lstrip("+")
    if compact.startswith("+") and (len(digits) < 8 or len(digits) > 15 or digits[0] == "0"):
        reading.error(line, f"{what} number '{value}' is not an international (E.164) number: + then 8-15 digits")
        return None
    if not compact.startswith("+") and not 3 <= len(digits) <= 15:
        reading.error(line, f"{what} number '{value}' cannot be dialed: it has {len(digits)} digits (3 to 15)")
        return None
    return compact


def _hours(reading: Reading, spec: Any, line: int, what: str) -> Hours | None:
    if not isinstance(spec, LocatedDict):
        reading.error(line, f"{what} hours must have a timezone and weekly hours")
        return None
    reading.fields(spec, HOURS_FIELDS, f"{what} hours")
    zone = spec.get("timezone")
    ok = True
    if not isinstance(zone, str):
        reading.error(spec.line, f"{what} hours need a 'timezone', such as Asia/Shanghai")
        ok = False
    else:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            reading.error(
                spec.line_of("timezone"),
                f"{what} time zone '{zone}' is not a known IANA time zone (such as Asia/Shanghai)",
            )
            ok = False
    weekly: list[tuple[TimeRange, ...] | None] = [None] * 7
    week = spec.get("weekly")
    if not isinstance(week, LocatedDict):
        reading.error(
            spec.line_of("weekly") if "weekly" in spec else spec.line,
            f"{what} hours need 'weekly', e.g. mon-fri: \"09:00-18:00\"",
        )
        ok = False
    else:
        for days_spec, ranges_spec in week.items():
            days_line = week.line_of(days_spec)
            days = _day_set(reading, days_spec, days_line, what)
            ranges = _ranges(reading, ranges_spec, days_line, what)
            if days is None or ranges is None:
                ok = False
                continue
            for day in days:
                if weekly[day] is not None:
                    reading.error(days_line, f"{what} hours give {DAY_NAMES[day]} twice")
                    ok = False
                weekly[day] = ranges
    exceptions: dict[date, tuple[TimeRange, ...]] = {}
    dates = spec.get("dates", {})
    if not isinstance(dates, LocatedDict):
        if dates:
            reading.error(spec.line_of("dates"), f"{what} 'dates' must map YYYY-MM-DD to hours or closed")
            ok = False
    else:
        for day, ranges_spec in dates.items():
            day_line = dates.line_of(day)
            if isinstance(day, str):  # a quoted date is still a date
                with contextlib.suppress(ValueError):
                    day = date.fromisoformat(day.strip())
            if not isinstance(day, date):
                reading.error(day_line, f"{what} date '{day}' must be written YYYY-MM-DD (a real date)")
                ok = False
                continue
            ranges = _ranges(reading, ranges_spec, day_line, what)
            if ranges is None:
                ok = False
                continue
            exceptions[day] = ranges
    if not ok:
        return None
    return Hours(
        timezone=zone,
        weekly=tuple(r or () for r in weekly),
        exceptions=frozen_map(exceptions),
        source=reading.src(line),
    )


def _day_set(reading: Reading, spec: Any, line: int, what: str) -> list[int] | None:
    if not isinstance(spec, str):
        reading.error(line, f"{what} hours: '{spec}' is not a day like mon, or a range like mon-fri")
        return None
    text = spec.strip().lower()
    if text == "daily":
        return list(range(7))
    days: list[int] = []
    for part in text.split(","):
        part = part.strip()
        bounds = [p.strip() for p in part.split("-")]
        if len(bounds) > 2 or any(b not in DAY_NAMES for b in bounds):
            reading.error(line, f"{what} hours: '{spec}' is not a day like mon, a range like mon-fri, or daily")
            return None
        first, last = DAY_NAMES.index(bounds[0]), DAY_NAMES.index(bounds[-1])
        if last < first:
            reading.error(line, f"{what} hours: '{part}' runs backwards; write it Monday first, e.g. mon-fri")
            return None
        days.extend(range(first, last + 1))
    return days


def _ranges(reading: Reading, spec: Any, line: int, what: str) -> tuple[TimeRange, ...] | None:
    if isinstance(spec, str) and spec.strip().lower() == "closed":
        return ()
    items = spec if isinstance(spec, list) else [spec]
    result = []
    for index, item in enumerate(items):
        if isinstance(spec, LocatedList):  # a list written one range a line: point at the range
            line = spec.line_of(index)
        if isinstance(item, int) and not isinstance(item, bool):
            reading.error(line, f'{what} hours must be in quotes, like "09:00-18:00"')
            return None
        match = re.fullmatch(TIME_RANGE, str(item))
        if not match:
            reading.error(line, f"{what} hours '{item}' must look like \"09:00-18:00\" or be closed")
            return None
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            reading.error(line, f"{what} hours '{item}' is not a real time of day (00:00 to 24:00)")
            return None
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start:
            reading.error(line, f"{what} hours '{item}' end before they start; split a night shift in two days")
            return None
        result.append(TimeRange(start, end))
    result.sort()
    for first, second in itertools.pairwise(result):
        if second.start < first.end:
            reading.error(line, f"{what} hours overlap: {spec}")
            return None
    return tuple(result)
