"""The ``lexicon`` section: readings are checked where they are written, so a typo is never spoken as noise."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.call.checks import check_menu
from ivr.menu.pinyin import is_mandarin, is_syllable, syllables

CLEAN = Path(__file__).resolve().parent / "fixtures" / "clean.yaml"


def _with_lexicon(tmp_path: Path, lexicon: str) -> tuple[Path, int]:
    """clean.yaml with ``lexicon`` appended; returns the file and the line of the section's first entry."""
    text = CLEAN.read_text(encoding="utf-8").rstrip("\n") + "\n"
    first = text.count("\n") + 3
    path = tmp_path / "menu.yaml"
    path.write_text(text + "lexicon:\n  zh-CN:\n" + lexicon, encoding="utf-8")
    return path, first


def _problems(path: Path) -> list[tuple[int, str, str]]:
    _, diagnostics = check_menu(path)
    return [(d.source.line, d.severity, d.message) for d in diagnostics]


def test_a_good_lexicon_is_loaded_with_its_readings(tmp_path):
    path, _ = _with_lexicon(tmp_path, "    还款: huan2 kuan3\n    绿色: lü4 se4\n    PIN: pin1 ma3\n")
    tree, diagnostics = check_menu(path)
    assert diagnostics == []
    words = tree.lexicon["zh-CN"]
    assert words["还款"].reading == ("huan2", "kuan3")
    assert words["绿色"].reading == ("lv4", "se4")  # ü is written v for espeak-ng
    assert words["PIN"].reading == ("pin1", "ma3")  # a Latin word may have any number of syllables


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("    还款: hxan2 kuan3\n", "'hxan2' is not a tone-numbered pinyin syllable"),
        ("    还款: huan kuan3\n", "'huan' is not a tone-numbered pinyin syllable"),  # no tone
        ("    还款: huan2\n", "has 2 characters but 1 syllables"),
        ("    还款: huan2 kuan3 le5\n", "has 2 characters but 3 syllables"),
        ("    还款:\n", "needs a reading"),
        ("    还款1: huan2 kuan3 yi1\n", "Chinese characters only, or Latin letters only"),
    ],
)
def test_a_bad_reading_is_an_error_at_its_line(tmp_path, entry, words):
    path, line = _with_lexicon(tmp_path, "    重听: chong2 ting1\n" + entry)
    problems = _problems(path)
    assert len(problems) == 1, problems
    assert problems[0][:2] == (line + 1, "error") and words in problems[0][2], problems


def test_a_lexicon_for_an_undeclared_language_is_an_error(tmp_path):
    text = CLEAN.read_text(encoding="utf-8").rstrip("\n") + "\n"
    path = tmp_path / "menu.yaml"
    path.write_text(text + "lexicon:\n  fr-FR:\n    Alipay: ali pay\n", encoding="utf-8")
    (problem,) = _problems(path)
    assert problem[1] == "error" and "lexicon names 'fr-FR', which is not a declared language" in problem[2]


def test_other_languages_take_a_respelling(tmp_path):
    text = CLEAN.read_text(encoding="utf-8").rstrip("\n") + "\n"
    path = tmp_path / "menu.yaml"
    path.write_text(text + "lexicon:\n  en-US:\n    WeChat: wee chat\n", encoding="utf-8")
    tree, diagnostics = check_menu(path)
    assert diagnostics == [] and tree.lexicon["en-US"]["WeChat"].reading == ("wee", "chat")


def test_the_syllable_table():
    assert len(syllables()) == 407 + 14
    assert all(is_syllable(s) for s in ("huan2", "lv4", "nve4", "lü4", "lu:4", "de5", "yo1", "n2", "zhuang4"))
    assert not any(is_syllable(s) for s in ("huan", "hxan2", "huan6", "zz1", "u:4", "xiong"))
    assert is_mandarin("zh-CN") and is_mandarin("cmn-Hans-CN") and is_mandarin("zh-TW")
    assert not is_mandarin("yue-Hant-HK") and not is_mandarin("zh-HK") and not is_mandarin("en-US")
