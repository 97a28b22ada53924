"""Mandarin text → tone-numbered pinyin for espeak-ng's ``sit/cmn-latn-pinyin`` voice.

Why: espeak-ng reads Chinese characters one by one from a small dictionary, so polyphones come out
wrong in almost every prompt (银行 yín*xíng*, 重新 *zhòng*, 了解 *le* jiě), and its ``sit/cmn`` voice
reads many characters as English letters (espeak-ng#1236, https://github.com/espeak-ng/espeak-ng/issues/1236).
pypinyin segments the text into words and reads each from its phrase dictionary (银行 yin2 hang2,
重新 chong2 xin1, 了解 liao3 jie3); the pinyin voice then says exactly those syllables with their tones.

How, step by step (``syllables``):

1. The text is cut into runs: Chinese characters, digits, Latin words, punctuation, space.
2. In a Chinese run the menu's lexicon words are found by forward longest match, skipping a match
   that would cut through a word of pypinyin's own segmentation (lexicon 长按 must not turn 队长按照
   into dui4 *chang2* an4). That segmentation is not always a person's: it cuts 申请调解 as 申|请调|解,
   so a lexicon 调解 is not used there and the entry has to be the longer 申请调解 (``ivr audio build``
   warns about every lexicon word skipped this way, naming the longer word to add). The stretches
   between lexicon words go to ``pypinyin.lazy_pinyin`` **one string per call**: given a list, pypinyin
   does not segment (银行 → yin2 *xing2*). pypinyin's process-wide
   ``load_phrases_dict`` is never used: it cannot be undone and would leak one menu's readings into
   every other menu of the process.
3. Digits: a number followed by a unit (点 分 秒 小时 天 个 …) or after 第 is a quantity, read as one
   (18点 shi2 ba1 dian3, 120秒 yi1 bai3 er4 shi2 miao3, 2点 liang3 dian3); every other digit is read on its
   own, phone style, with 1 as yao1 (95188 jiu3 wu3 yao1 ba1 ba1, 请按1 qing3 an4 yao1): on a phone line
   yī is easily heard as qī, and Chinese callers expect 幺 in numbers and keys.
4. Punctuation becomes the full-width form espeak-ng pauses at (an ASCII "." before a lowercase
   word gives no pause at all). Latin words are passed through: espeak-ng's pinyin voice switches to
   English for a word that is not pinyin ("Apple Pay"); a word that looks like pinyin needs a lexicon entry.

Tones are citation tones: espeak-ng applies the third-tone sandhi itself (ni3 hao3 is said ni2 hao3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from ivr.menu.pinyin import normalise

_HAN_CLASS = r"\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
_TOKEN = re.compile(
    rf"(?P<han>[{_HAN_CLASS}]+)"
    r"|(?P<digits>[0-9]+)"
    r"|(?P<latin>[A-Za-z][A-Za-z'’]*(?:[ \-.][A-Za-z][A-Za-z'’]*)*\.?)"
    r"|(?P<space>\s+)"
    r"|(?P<punct>.)",
    re.S,
)
# Each digit said on its own (phone numbers, keys): 1 is yao1 (幺), as Chinese phone lines say it.
PHONE_DIGITS = ("ling2", "yao1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3")
# Digits in a quantity (一百二十秒).
CARDINAL_DIGITS = ("ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3")
_POWERS = ((1000, "qian1"), (100, "bai3"), (10, "shi2"))
# A number written before one of these is a quantity, not a string of digits.
UNITS = frozenset("点分秒时小天个次元块年月日号周岁位条家种步件倍张笔遍万千百亿折成%％")
# 2 before a measure word is liang3 (两点, 两个), elsewhere er4 (二月, 二号, 零二分).
LIANG_BEFORE = frozenset("点个次小天位条家种步件张笔遍周岁倍块")
# Full-width forms espeak-ng makes a clause pause at.
PAUSES = {
    ",": "，", "、": "，", "，": "，", ":": "，", "：": "，",
    ".": "。", "。": "。", "!": "！", "！": "！", "?": "？", "？": "？", ";": "；", "；": "；",
}  # fmt: skip
_FULL_WIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)} | {
    chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF5B)
}


def _pypinyin(chunk: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    # One string per call: a list would not be segmented into words (see the module docstring).
    return [normalise(s) for s in lazy_pinyin(chunk, style=Style.TONE3, neutral_tone_with_five=True)]


@cache
def _segmenter():  # pypinyin's own word segmenter, used read-only
    from pypinyin.seg.mmseg import seg

    return seg


def _word_spans(run: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for word in _segmenter().cut(run):
        spans.append((start, start + len(word)))
        start += len(word)
    return spans


def _cuts_a_word(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """True when [start, end) would split a word of two or more characters of pypinyin's segmentation."""
    return any(b - a > 1 and (a < start < b or a < end < b) for a, b in spans)


def lexicon_matches(run: str, lexicon: Mapping[str, tuple[str, ...]]) -> list[tuple[int, int, bool]]:
    """Where lexicon words occur in a run of Chinese characters, by forward longest match:
    (start, end, used); ``used`` is False where the word would cut through a word of pypinyin's own
    segmentation and is therefore left to pypinyin (``ivr audio build`` warns about those)."""
    longest = max(map(len, lexicon), default=0)
    spans = _word_spans(run) if lexicon else []
    found: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(run):
        for n in range(min(longest, len(run) - i), 0, -1):
            if run[i : i + n] in lexicon:
                used = not _cuts_a_word(i, i + n, spans)
                found.append((i, i + n, used))
                if used:
                    i += n
                    break
        else:
            i += 1
    return found


def _han(run: str, lexicon: Mapping[str, tuple[str, ...]]) -> list[str]:
    if not lexicon or not any(word in run for word in lexicon):
        return _pypinyin(run)
    out: list[str] = []
    pending = 0
    for start, end, used in lexicon_matches(run, lexicon):
        if used and start >= pending:
            if start > pending:
                out += _pypinyin(run[pending:start])  # the stretch between lexicon words, as one string
            out += lexicon[run[start:end]]
            pending = end
    if len(run) > pending:
        out += _pypinyin(run[pending:])
    return out


def cardinal(number: int) -> list[str]:
    """A whole number as Mandarin says a quantity: 18 → shi2 ba1, 120 → yi1 bai3 er4 shi2, 1005 → … ling2 wu3."""
    if number < 0:
        raise ValueError("only whole numbers from 0 are read")
    if number == 0:
        return ["ling2"]
    if number >= 100_000_000:
        return [*cardinal(number // 100_000_000), "yi4", *_rest(number % 100_000_000, 10_000_000)]
    if number >= 10_000:
        return [*cardinal(number // 10_000), "wan4", *_rest(number % 10_000, 1000)]
    out: list[str] = []
    zero = False
    for power, name in _POWERS:
        digit, number = divmod(number, power)
        if digit:
            if zero:
                out.append("ling2")
                zero = False
            if not (power == 10 and digit == 1 and not out):  # 十八, not 一十八
                out.append(CARDINAL_DIGITS[digit])
            out.append(name)
        elif out:
            zero = True
    if number:
        if zero:
            out.append("ling2")
        out.append(CARDINAL_DIGITS[number])
    return out


def _rest(number: int, top: int) -> list[str]:
    """The part below 万 / 亿: 一万零五 (a gap before it is said as 零)."""
    if number == 0:
        return []
    said = cardinal(number)
    return ["ling2", *said] if number < top else said


def _number(digits: str, before: str, after: str) -> list[str]:
    if before.endswith("第") or (after[:1] in UNITS):
        if len(digits) > 1 and digits.startswith("0"):  # 9点05分: ling2 wu3
            return [PHONE_DIGITS[0], *_number(digits[1:], "第", after)]
        if digits == "2" and after[:1] in LIANG_BEFORE:
            return ["liang3"]
        return cardinal(int(digits))
    return [PHONE_DIGITS[int(d)] for d in digits]


def to_pinyin(text: str, lexicon: Mapping[str, tuple[str, ...]] | None = None) -> str:
    """What the pinyin voice is given: syllables with tone digits separated by spaces, pauses as ，。？！；.

    ``lexicon``: word → syllables, the menu's corrections (Chinese words, or Latin words such as a brand
    name). Characters pypinyin cannot read are dropped rather than spelled out.
    """
    lexicon = lexicon or {}
    latin_lexicon = {w.lower(): r for w, r in lexicon.items() if w[:1].isascii()}
    text = "".join(_FULL_WIDTH.get(c, c) for c in text)
    parts: list[str] = []
    for m in _TOKEN.finditer(text):
        kind, token = m.lastgroup, m.group()
        if kind == "han":
            parts += _han(token, lexicon)
        elif kind == "digits":
            after = text[m.end() :].lstrip()
            parts += _number(token, text[: m.start()].rstrip(), after)
        elif kind == "latin":
            word = token.rstrip(".")
            parts += list(latin_lexicon.get(word.lower(), (word,)))
            if token.endswith(".") and word != token:
                _pause(parts, "。")
        elif kind == "punct" and token in PAUSES:
            _pause(parts, PAUSES[token])
    return " ".join(parts).strip()


def _pause(parts: list[str], mark: str) -> None:
    if parts and parts[-1][-1] not in "，。？！；":
        parts[-1] += mark
