"""`ivr hours`: each hotline's hours on a date and what a caller asking for it hears, for checking a
holiday edit before it goes live. The words come from the call flow itself, so these tests check them
against the shipped menu's own messages (Spring Festival 2027 is in its example hours)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path

import pytest

from ivr.call.schedule import hotline_day
from ivr.cli import main
from ivr.commands.hours import show_hours
from ivr.menu.loader import load_tree

ROOT = Path(__file__).resolve().parents[2]
WALLET = ROOT / "menus" / "wallet.yaml"
MAKE_UP_DAY = ("        2027-02-08: closed\n", '        2027-02-08: closed\n        2027-02-21: "09:00-18:00"\n')


def hours_of(*args: object, **kwargs: object) -> str:
    out = StringIO()
    assert show_hours(*args, out=out, err=StringIO(), **kwargs) == 0  # type: ignore[arg-type]
    return out.getvalue()


def test_a_special_day_shows_its_own_hours_and_what_callers_hear_around_them() -> None:
    text = hours_of([WALLET], on=date(2027, 2, 5), langs=["en-US"])
    jdpay = text[text.index("jdpay:") : text.index("applepay:")].splitlines()
    assert jdpay[:2] == [
        "jdpay: 京东支付客服 400-606-5500, Asia/Shanghai",
        "  2027-02-05 Fri: 09:00-12:00 (from dates)",
    ]
    assert jdpay[2] == "  00:00-09:00 closed, a caller hears:"
    assert jdpay[3].startswith("    en-US: JD Pay support is closed right now. Its hours, Beijing time, are Monday")
    assert "It opens again today at 9 a.m." in jdpay[3]
    assert jdpay[4] == "  09:00-12:00 open, a caller hears:"
    assert "Connecting you to JD Pay support." in jdpay[5]
    assert jdpay[6] == "  12:00-24:00 closed, a caller hears:"
    assert "It opens again Sunday at 10 a.m." in jdpay[7]  # 02-06 closed, 02-07 10:00-16:00


def test_every_language_by_default_in_its_own_words() -> None:
    text = hours_of([WALLET], on=date(2027, 2, 6))
    assert "    zh-CN: 京东支付客服现在不在服务时间。" in text
    assert "  2027-02-06 Sat: closed all day (from dates)" in text


def test_a_make_up_working_day_is_a_dated_entry_with_that_days_hours(tmp_path: Path) -> None:
    """China's 调休: a Sunday worked as a weekday. Written under dates: with the day's hours."""
    menu = tmp_path / "wallet.yaml"
    text = WALLET.read_text(encoding="utf-8")
    assert text.count(MAKE_UP_DAY[0]) == 1
    menu.write_text(text.replace(*MAKE_UP_DAY), encoding="utf-8")
    sunday = hotline_day(load_tree(menu), "baiduwallet", date(2027, 2, 21), ["en-US"])
    assert sunday.special and [(s.start, s.end, s.open) for s in sunday.stretches] == [
        (0, 540, False),
        (540, 1080, True),
        (1080, 1440, False),
    ]
    saturday = hotline_day(load_tree(menu), "baiduwallet", date(2027, 2, 20), ["en-US"])
    after_close = saturday.stretches[-1]
    assert "It opens again tomorrow at 9 a.m." in " ".join(after_close.told["en-US"])  # not "Monday"
    week = hours_of([menu], week=date(2027, 2, 15))
    assert "  2027-02-21 Sun: 09:00-18:00 (from dates)" in week
    assert "  2027-02-20 Sat: 10:00-16:00" in week


def test_without_a_date_it_is_today_on_the_hotlines_clock() -> None:
    # 2027-02-04 17:00 UTC is already 01:00 on 2027-02-05 in Shanghai
    text = hours_of([WALLET], now=datetime(2027, 2, 4, 17, 0, tzinfo=UTC), langs=["en-US"])
    assert "  2027-02-05 Fri: 09:00-12:00 (from dates)" in text


def test_week_lists_seven_days_per_hotline() -> None:
    text = hours_of([WALLET], week=date(2027, 2, 1))
    block = text[text.index("jdpay:") : text.index("applepay:")].strip().splitlines()
    assert len(block) == 8
    assert block[5] == "  2027-02-05 Fri: 09:00-12:00 (from dates)"
    assert block[6] == "  2027-02-06 Sat: closed all day (from dates)"


def test_bad_usage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["hours", str(WALLET), "--date", "5 Feb"])
    assert exit_info.value.code == 2
    assert "'5 Feb' is not a date written YYYY-MM-DD" in capsys.readouterr().err
    assert main(["hours", str(WALLET), "--lang", "fr-FR"]) == 2
    assert main(["hours", str(tmp_path / "nope.yaml")]) == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        WALLET.read_text(encoding="utf-8").replace("    hotline: jdpay\n", "    hotline: jd\n"), encoding="utf-8"
    )
    assert main(["hours", str(broken), "--date", "2027-02-05"]) == 1
    assert "has errors" in capsys.readouterr().err
