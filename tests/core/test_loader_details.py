"""Loader and validator details found while writing the shipped menu."""

from pathlib import Path

from ivr.menu.loader import check_file

EXAMPLE = Path(__file__).parents[2] / "menus" / "examples" / "minimal.yaml"


def edited(tmp_path, old: str, new: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "menu.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_quoted_holiday_date_is_still_a_date(tmp_path):
    tree, problems = check_file(edited(tmp_path, "        2027-02-06: closed", '        "2027-02-06": closed'))
    assert problems == []
    assert any(d.isoformat() == "2027-02-06" for d in tree.hotlines["jdpay"].hours.exceptions)


def test_reprompts_past_the_attempt_cap_are_flagged_as_never_heard(tmp_path):
    path = edited(
        tmp_path,
        "      - {zh-CN: 请在电话键盘上按一个键。, en-US: Please press a key on your phone.}\n",
        "      - {zh-CN: 请在电话键盘上按一个键。, en-US: Please press a key on your phone.}\n"
        "      - {zh-CN: 第三次。, en-US: Third time.}\n",
    )
    _tree, problems = check_file(path)
    assert [(p.severity, p.source.line) for p in problems] == [("warning", 42)]
    assert "no_input #3 and later are never heard" in problems[0].message


def test_hash_cannot_choose_a_language(tmp_path):
    path = edited(tmp_path, '- {key: "2", language: en-US', '- {key: "#", language: en-US')
    _tree, problems = check_file(path)
    assert [(p.severity, p.source.line, p.message) for p in problems] == [
        ("error", 139, "option '#' cannot be used: '#' ends input (ISO/IEC 13714)")
    ]
