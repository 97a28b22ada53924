"""Opening hours as a caller meets them: in the hotline's time zone, with holidays."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ivr.call.hours import is_open, next_opening, opening_spoken, week_spoken
from ivr.menu.loader import load_tree
from ivr.menu.model import Hours, Source, TimeRange

EXAMPLE = Path(__file__).parents[2] / "menus" / "examples" / "minimal.yaml"
CLEAN = Path(__file__).parents[1] / "fixtures" / "clean.yaml"


@pytest.fixture(scope="module")
def tree():
    return load_tree(EXAMPLE)


@pytest.fixture(scope="module")
def jd(tree):
    return tree.hotlines["jdpay"].hours  # Mon-Fri 09-18, Sat 09-12 & 13-17, Sun closed, Asia/Shanghai


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_open_and_closed_follow_the_hotlines_time_zone(jd):
    # Tuesday 2026-11-24 08:59 in Shanghai is Monday 2026-11-23 00:59 UTC: the UTC date is the day before.
    assert not is_open(jd, utc(2026, 11, 24, 0, 59))
    assert is_open(jd, utc(2026, 11, 24, 1, 0))  # 09:00 Shanghai
    assert is_open(jd, utc(2026, 11, 24, 9, 59))  # 17:59
    assert not is_open(jd, utc(2026, 11, 24, 10, 0))  # 18:00: closing time is exclusive


def test_split_day_and_closed_sunday(jd):
    assert is_open(jd, utc(2026, 11, 28, 3, 59))  # Saturday 11:59
    assert not is_open(jd, utc(2026, 11, 28, 4, 30))  # Saturday lunch 12:30
    assert is_open(jd, utc(2026, 11, 28, 5, 0))  # Saturday 13:00
    assert not is_open(jd, utc(2026, 11, 29, 3, 0))  # Sunday 11:00


def test_holidays_override_the_week(jd):
    # 2027-02-06 is a Saturday but listed as closed; 2026-12-31 (Thursday) closes at noon.
    assert not is_open(jd, utc(2027, 2, 6, 2, 0))
    assert is_open(jd, utc(2026, 12, 31, 3, 59))  # 11:59
    assert not is_open(jd, utc(2026, 12, 31, 5, 0))  # 13:00, a normal Thursday would be open


def test_a_hotline_without_hours_is_always_open():
    assert is_open(None, utc(2026, 1, 1, 3, 0))


def test_next_opening_skips_closed_days_and_holidays(jd):
    # Saturday 2027-02-06 is a holiday, Sunday is closed: Friday evening → Monday 09:00.
    opening = next_opening(jd, utc(2027, 2, 5, 12, 0))  # Friday 20:00 Shanghai
    assert (opening.date().isoformat(), opening.hour) == ("2027-02-08", 9)
    # Saturday lunch break: opens again the same day at 13:00.
    assert next_opening(jd, utc(2026, 11, 28, 4, 30)).hour == 13


def test_hours_are_read_out_grouped_in_each_language(tree, jd):
    # Saturday's lunch break is joined with "和" / "and", not the "；" between days: it is one day
    assert week_spoken(tree, jd, "zh-CN") == "周一至周五9点到18点；周六9点到中午12点和13点到17点"
    assert week_spoken(tree, jd, "en-US") == (
        "Monday to Friday, 9 a.m. to 6 p.m.; Saturday, 9 a.m. to noon and 1 p.m. to 5 p.m."
    )


def weekly(**days: list[tuple[str, str]]) -> Hours:
    """Hours from ``mon=[("09:00", "12:00"), …]``; a day not given is closed."""
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    minutes = [tuple(TimeRange(_minutes(a), _minutes(b)) for a, b in days.get(name, [])) for name in names]
    return Hours("Asia/Shanghai", tuple(minutes), {}, Source("test.yaml", 1))


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


WEEKDAY = [("08:00", "22:00")]
WEEKEND = [("09:00", "18:00")]


def test_saturday_to_sunday_is_said_as_the_weekend(tree):
    hours = weekly(mon=WEEKDAY, tue=WEEKDAY, wed=WEEKDAY, thu=WEEKDAY, fri=WEEKDAY, sat=WEEKEND, sun=WEEKEND)
    assert week_spoken(tree, hours, "zh-CN") == "周一至周五8点到22点；周末9点到18点"
    assert week_spoken(tree, hours, "en-US") == "Monday to Friday, 8 a.m. to 10 p.m.; weekends, 9 a.m. to 6 p.m."


def test_a_split_day_is_one_day_with_two_times_and_noon_and_midnight_are_said_as_words(tree):
    split = [("09:00", "12:00"), ("13:00", "18:00")]
    late = [("18:00", "24:00")]
    hours = weekly(mon=split, tue=split, wed=split, thu=split, fri=split, sat=late)
    assert week_spoken(tree, hours, "zh-CN") == "周一至周五9点到中午12点和13点到18点；周六18点到零点"
    assert week_spoken(tree, hours, "en-US") == (
        "Monday to Friday, 9 a.m. to noon and 1 p.m. to 6 p.m.; Saturday, 6 p.m. to midnight"
    )


def test_the_whole_week_is_every_day(tree):
    day = [("09:00", "21:00")]
    hours = weekly(mon=day, tue=day, wed=day, thu=day, fri=day, sat=day, sun=day)
    assert week_spoken(tree, hours, "zh-CN") == "每天9点到21点"
    assert week_spoken(tree, hours, "en-US") == "every day, 9 a.m. to 9 p.m."


def test_a_file_without_the_optional_hours_words_reads_the_plain_messages():
    plain = load_tree(CLEAN)  # no weekends / every_day / hours_within_day / noon / midnight messages
    split = [("09:00", "12:00"), ("13:00", "18:00")]
    hours = weekly(sat=split, sun=split)
    assert week_spoken(plain, hours, "zh-CN") == "周六至周日9点到12点；13点到18点"
    assert week_spoken(plain, hours, "en-US") == "Saturday to Sunday, 9 a.m. to 12 p.m.; 1 p.m. to 6 p.m."


def test_next_opening_is_said_relative_to_today(tree, jd):
    assert opening_spoken(tree, jd, utc(2026, 11, 24, 12, 0), "zh-CN") == "下次开放时间是明天9点。"  # Tue 20:00
    assert opening_spoken(tree, jd, utc(2026, 11, 28, 4, 30), "en-US") == "It opens again today at 1 p.m."
    assert opening_spoken(tree, jd, utc(2026, 11, 28, 12, 0), "en-US") == "It opens again Monday at 9 a.m."


def test_naive_datetimes_are_refused(jd):
    with pytest.raises(ValueError, match="aware"):
        is_open(jd, datetime(2026, 11, 24, 9, 0))
