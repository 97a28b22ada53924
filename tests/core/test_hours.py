"""Opening hours as a caller meets them: in the hotline's time zone, with holidays."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ivr.call.hours import is_open, next_opening, opening_spoken, week_spoken
from ivr.menu.loader import load_tree

EXAMPLE = Path(__file__).parents[2] / "menus" / "examples" / "minimal.yaml"


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
    assert week_spoken(tree, jd, "zh-CN") == "周一至周五9点到18点；周六9点到12点；13点到17点"
    assert week_spoken(tree, jd, "en-US") == (
        "Monday to Friday, 9 a.m. to 6 p.m.; Saturday, 9 a.m. to 12 p.m.; 1 p.m. to 5 p.m."
    )


def test_next_opening_is_said_relative_to_today(tree, jd):
    assert opening_spoken(tree, jd, utc(2026, 11, 24, 12, 0), "zh-CN") == "下次开放时间是明天9点。"  # Tue 20:00
    assert opening_spoken(tree, jd, utc(2026, 11, 28, 4, 30), "en-US") == "It opens again today at 1 p.m."
    assert opening_spoken(tree, jd, utc(2026, 11, 28, 12, 0), "en-US") == "It opens again Monday at 9 a.m."


def test_naive_datetimes_are_refused(jd):
    with pytest.raises(ValueError, match="aware"):
        is_open(jd, datetime(2026, 11, 24, 9, 0))
