"""What the synthesizer is given: Mandarin through pinyin with the menu's lexicon, keys and numbers spelled out.

Readings are checked against the dictionary (Xiandai Hanyu Cidian): 银行 yín háng, 重新 chóng xīn,
了解 liǎo jiě, 还款 huán kuǎn, 重听 chóng tīng ("hear again"), 最长 zuì cháng, 调解 tiáo jiě, 上当 shàng dàng.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from ivr.audio.mandarin import cardinal, to_pinyin
from ivr.audio.phonetic import Pronouncer
from ivr.call.checks import load_menu
from ivr.cli import main

ROOT = Path(__file__).resolve().parents[2]
WALLET = ROOT / "menus" / "wallet.yaml"


@pytest.fixture(scope="module")
def wallet():
    return load_menu(WALLET)


@pytest.fixture(scope="module")
def say(wallet):
    return Pronouncer.for_tree(wallet).phonetic


def test_the_issue_sentence_reads_every_polyphone_right(say):
    assert say("请到银行重新办理，了解还款方式", "zh-CN") == (
        "qing3 dao4 yin2 hang2 chong2 xin1 ban4 li3， liao3 jie3 huan2 kuan3 fang1 shi4"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("重听请按8", "chong2 ting1 qing3 an4 ba1"),  # pypinyin alone: zhong4 ting1
        ("最长120秒", "zui4 chang2 yi1 bai3 er4 shi2 miao3"),  # pypinyin alone: zui4 zhang3
        ("请先在平台申请调解", "qing3 xian1 zai4 ping2 tai2 shen1 qing3 tiao2 jie3"),  # pypinyin: diao4
        ("小心上当", "xiao3 xin1 shang4 dang4"),  # pypinyin: dang1
        ("提前还款", "ti2 qian2 huan2 kuan3"),  # a lexicon word inside a longer phrase
        ("请长按井号键", "qing3 chang2 an4 jing3 hao4 jian4"),
    ],
)
def test_the_shipped_lexicon_corrects_what_pypinyin_misreads(say, text, expected):
    assert say(text, "zh-CN") == expected


def test_a_lexicon_word_never_cuts_through_a_neighbouring_word(say):
    assert say("队长按照规定", "zh-CN").startswith("dui4 zhang3 an4 zhao4")  # not chang2: 队长|按照
    assert say("成长按钮", "zh-CN").startswith("cheng2 zhang3 an4")


def test_the_lexicon_is_per_menu_and_leaves_pypinyin_untouched(say):
    before = dict(PHRASES_DICT)
    assert say("了解还款方式", "zh-CN").endswith("huan2 kuan3 fang1 shi4")
    assert before == PHRASES_DICT
    assert lazy_pinyin("还款", style=Style.TONE3) == ["hai2", "kuan3"]  # pypinyin's own answer is unchanged
    assert to_pinyin("还款") == "hai2 kuan3"  # another menu, without the entry, gets no correction


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("客服热线95188", "ke4 fu2 re4 xian4 jiu3 wu3 yao1 ba1 ba1"),  # phone numbers: 1 is yao1
        ("请按1", "qing3 an4 yao1"),  # keys too
        ("4 0 0，6 0 0，0 1 1 1", "si4 ling2 ling2， liu4 ling2 ling2， ling2 yao1 yao1 yao1"),
        ("9点到18点", "jiu3 dian3 dao4 shi2 ba1 dian3"),  # quantities are numbers
        ("11点30分", "shi2 yi1 dian3 san1 shi2 fen1"),
        ("2点", "liang3 dian3"),
        ("全天24小时", "quan2 tian1 er4 shi2 si4 xiao3 shi2"),
        ("1分钟", "yi1 fen1 zhong1"),  # a quantity of one is yi1, not yao1
        ("第1步", "di4 yi1 bu4"),
    ],
)
def test_digits_are_phone_style_unless_they_count_something(text, expected):
    assert to_pinyin(text) == expected


@pytest.mark.parametrize(
    ("number", "said"),
    [(10, "shi2"), (15, "shi2 wu3"), (20, "er4 shi2"), (105, "yi1 bai3 ling2 wu3"), (120, "yi1 bai3 er4 shi2"),
     (3600, "san1 qian1 liu4 bai3"), (10005, "yi1 wan4 ling2 wu3")],
)  # fmt: skip
def test_cardinal_numbers(number, said):
    assert " ".join(cardinal(number)) == said


def test_keys_are_said_by_their_configured_names_in_each_language(say):
    assert say("说完请按#号键。", "zh-CN") == "shuo1 wan2 qing3 an4 jing3 hao4 jian4。"  # 号键 not said twice
    assert say("返回请按*", "zh-CN") == "fan3 hui2 qing3 an4 xing1 hao4 jian4"
    assert say("Press # when you're done.", "en-US") == "Press pound when you're done."
    assert say("To go back, press *.", "en-US") == "To go back, press star."


def test_english_phone_numbers_are_read_digit_by_digit_in_their_groups(say):
    assert say("Call 400-606-5500 or 95188.", "en-US") == "Call 4 0 0, 6 0 6, 5 5 0 0 or 9 5 1 8 8."
    assert say("up to 120 seconds, 24 hours", "en-US") == "up to 120 seconds, 24 hours"  # quantities stay


def test_an_ascii_full_stop_becomes_a_pause_the_voice_keeps(say):
    # espeak-ng makes no pause at "ba1. qing3" (an abbreviation to it); it does at "ba1。 qing3".
    assert say("请按8.请按9", "zh-CN") == "qing3 an4 ba1。 qing3 an4 jiu3"


def _espeak_phonemes(text: str) -> str:
    result = subprocess.run(
        ["espeak-ng", "-q", "-x", "-v", "sit/cmn-latn-pinyin", text], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_the_pinyin_voice_reads_the_syllables_with_their_tones(say):
    """espeak-ng's own phoneme transcription of what we send: 银行 as háng (X'a35N), not xíng, all Mandarin."""
    phonemes = _espeak_phonemes(say("请到银行重新办理", "zh-CN"))
    assert "X'a35N" in phonemes and "S;'i35N" not in phonemes  # hang2, not xing2
    assert "ts.h'ong35" in phonemes  # chong2
    assert "(en)" not in phonemes  # never switched to English
    raw = _espeak_phonemes("请到银行重新办理")  # the characters themselves, as before this change
    assert "S;'i35N" in raw  # the misreading the pinyin avoids: yin2 xing2


def test_ivr_audio_say_prints_the_phonetic_text_on_one_line(capsys):
    assert main(["audio", "say", "请到银行重新办理，了解还款方式", "--lang", "zh-CN", "--phonetic"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    said = out.split()
    positions = [said.index(w) for w in ("yin2", "chong2", "liao3", "huan2")]
    assert positions == sorted(positions)
    assert "hang2" in said and "xin1" in said and "jie3" in said and "kuan3" in said


def test_ivr_audio_say_renders_what_it_prints(tmp_path, capsys):
    import soundfile

    out = tmp_path / "say.wav"
    assert main(["audio", "say", "Press # for 95188.", "--lang", "en-US", "-o", str(out)]) == 0
    printed, err = capsys.readouterr()
    assert printed == "Press pound for 9 5 1 8 8.\n"
    info = soundfile.info(str(out))
    assert info.samplerate == 8000 and 1.0 < info.duration < 8.0
    assert f"{info.duration:.2f} s" in err


def test_ivr_audio_say_refuses_an_unknown_language(capsys):
    assert main(["audio", "say", "Bonjour", "--lang", "fr-FR", "--phonetic"]) == 2
    assert "no language 'fr-FR'" in capsys.readouterr().err


POLYPHONES = {  # sentence -> what the pinyin voice must be given (the lexicon's 还款 and 重听 included)
    "请到银行重新办理。": "qing3 dao4 yin2 hang2 chong2 xin1 ban4 li3。",
    "了解还款方式。": "liao3 jie3 huan2 kuan3 fang1 shi4。",
    "重听请按8。": "chong2 ting1 qing3 an4 ba1。",
    "请重启手机。": "qing3 chong2 qi3 shou3 ji1。",
}


def _lexicon(**readings: str):
    from ivr.menu.model import Pronunciation, Source

    return {"zh-CN": {w: Pronunciation(w, tuple(r.split()), Source("menu.yaml", 1)) for w, r in readings.items()}}


def test_real_renders_of_polyphone_sentences_record_the_phonetic_text(tmp_path, wallet):
    import numpy as np
    import soundfile

    from ivr.audio import Utterance
    from ivr.audio.build import build
    from ivr.audio.manifest import read_manifest

    utterances = [Utterance(text, "zh-CN") for text in POLYPHONES]
    report = build(utterances, wallet.languages, tmp_path, progress=False, pronouncer=Pronouncer.for_tree(wallet))
    assert report.ok and report.rendered == len(POLYPHONES)
    entries = {e.text: e for e in read_manifest(tmp_path).entries}
    for text, phonetic in POLYPHONES.items():
        assert entries[text].phonetic == phonetic
        samples, rate = soundfile.read(tmp_path / entries[text].file, dtype="int16")
        assert rate == 8000 and len(samples) > rate  # more than a second of sound
        assert np.sqrt(np.mean((samples / 32768.0) ** 2)) > 0.01
        assert report.durations[("zh-CN", text)] == entries[text].duration


def test_changing_the_lexicon_renders_again_only_the_prompts_that_say_the_word(tmp_path, wallet):
    from ivr.audio import Utterance
    from ivr.audio.build import build

    utterances = [Utterance(text, "zh-CN") for text in POLYPHONES]
    first = Pronouncer(_lexicon(还款="huan2 kuan3", 重听="chong2 ting1"))
    assert build(utterances, wallet.languages, tmp_path, progress=False, pronouncer=first).rendered == 4
    same = Pronouncer(_lexicon(还款="huan2 kuan3", 重听="chong2 ting1"))
    assert build(utterances, wallet.languages, tmp_path, progress=False, pronouncer=same).rendered == 0
    edited = Pronouncer(_lexicon(还款="huan2 kuan3", 重听="chong2 ting1", 重启="chong2 qi3", 手机="shou3 ji1"))
    assert build(utterances, wallet.languages, tmp_path, progress=False, pronouncer=edited).rendered == 0  # same sound
    without = Pronouncer(_lexicon(重听="chong2 ting1"))  # 还款 dropped: one sentence says it
    report = build(utterances, wallet.languages, tmp_path, progress=False, pronouncer=without)
    assert (report.rendered, report.reused, report.pruned) == (1, 3, 1)
