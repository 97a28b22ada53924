"""Every static check of the loader and the validator, each proven on a menu with one deliberate mistake.

The promise of ``ivr validate`` is that a person who edits a menu by hand gets, for each mistake,
the exact line to change and a message that says what is wrong. So every test here states the line
it expects and the key part of the message, and also that nothing else is reported: a check that
fires on the wrong line, or drags false errors along with the real one, fails its test.

The broken menus are copies of ``tests/fixtures/clean.yaml`` (a frozen copy of the annotated example)
with one mistake each, so their line numbers are those of the clean file:

- the common mistakes are files in ``tests/fixtures/broken/`` (their first two lines say what is
  wrong and where), easy to open next to the test;
- the long tail of rarer checks is a table of one-line text edits of the clean file, applied here.

When the format grows a required field, ``test_clean_fixture_is_clean`` fails and the new problem is
ignored in the other tests until ``clean.yaml`` and the broken copies are updated.
"""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest

from ivr.call.checks import check_menu as check_file
from ivr.cli import main
from ivr.commands.validate import use_colour, validate_files
from ivr.menu.diagnostics import Diagnostic
from ivr.menu.yaml_source import QUOTE_TIP

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CLEAN = FIXTURES / "clean.yaml"
BROKEN = FIXTURES / "broken"
EXAMPLE = ROOT / "menus" / "examples" / "minimal.yaml"
CHINA_ARTICLE = "https://support.twilio.com/hc/en-us/articles/360016488474-Calling-Limitations-to-China"

Expected = tuple[int, str, str]  # line, severity, a key part of the message


def _baseline() -> set[tuple[str, str]]:
    """Problems of the clean fixture itself (none, unless the format moved on): ignored elsewhere."""
    _, diagnostics = check_file(CLEAN)
    return {(d.severity, d.message) for d in diagnostics}


BASELINE = _baseline()


def _listing(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(f"  {d.source.line}: {d.severity}: {d.message}" for d in diagnostics) or "  (nothing)"


def assert_problems(path: Path, expected: list[Expected]) -> None:
    """``path`` reports exactly ``expected``: each on its line with its severity and words, and nothing more."""
    _, diagnostics = check_file(path)
    actual = [d for d in diagnostics if (d.severity, d.message) not in BASELINE]
    remaining = list(actual)
    for line, severity, words in expected:
        match = next(
            (d for d in remaining if d.source.line == line and d.severity == severity and words in d.message), None
        )
        assert match is not None, (
            f"{path.name}: expected line {line}: {severity}: …{words}…\nreported:\n{_listing(actual)}"
        )
        remaining.remove(match)
    assert not remaining, f"{path.name}: reported more than expected:\n{_listing(remaining)}"


def broken_copy(tmp_path: Path, name: str, edits: list[tuple[str, str]]) -> Path:
    """The clean fixture with ``edits`` applied; each ``old`` text must occur exactly once, so an edit
    can never silently miss (or hit the wrong place) when the clean file changes."""
    text = CLEAN.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"{name}: {old!r} occurs {text.count(old)} times in clean.yaml"
        text = text.replace(old, new)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# The clean files


def test_clean_fixture_is_clean() -> None:
    tree, diagnostics = check_file(CLEAN)
    assert tree is not None
    assert diagnostics == [], "clean.yaml has problems: update it and tests/fixtures/broken/ to the format\n" + (
        _listing(diagnostics)
    )


def test_the_annotated_example_is_clean() -> None:
    tree, diagnostics = check_file(EXAMPLE)
    assert tree is not None
    assert diagnostics == [], _listing(diagnostics)


# ---------------------------------------------------------------------------------------------
# The common mistakes, one file each in tests/fixtures/broken/

LONG_SAID = "takes about"  # the start of every "too long to say" warning

FILE_CASES: dict[str, list[Expected]] = {
    # YAML itself
    "yaml_syntax": [(143, "error", "the file is not valid YAML: mapping values are not allowed here")],
    "duplicate_yaml_key": [(141, "error", "'title' appears twice in this section (first at line 140)")],
    "unquoted_comma": [
        (166, "error", "tip has a stray 'and your card': a comma in unquoted text splits it"),
        (166, "error", "tip has a stray 'ready.'"),
    ],
    # names
    "unknown_field": [(129, "error", "node 'main' has an unknown field 'promt' (did you mean 'prompt'?)")],
    # at the goto: line; 'refunds', cut off by the typo, is a note under it (test_a_typo_cuts_off_nodes…)
    "unknown_target": [(132, "error", "option '1' targets 'refundz', which is not a node (did you mean 'refunds'?)")],
    "unknown_kind": [(169, "error", "node 'goodbye_numbers' has kind 'goodby'; use one of language, menu, info")],
    "unreachable_node": [(161, "error", "node 'to_jdpay' cannot be reached from the entry 'welcome'")],
    # keys
    "duplicate_option_key": [(148, "error", "node 'refunds' uses key '2' twice (first at line 147)")],
    "invalid_key": [(148, "error", "option key must be one phone key, 0-9, * or # (in quotes), not '10'")],
    "global_key_clash": [(148, "error", "option '8' clashes with the global 'repeat' key")],
    "hash_option": [(148, "error", "option '#' cannot be used: '#' ends input (ISO/IEC 13714)")],
    "too_many_options": [
        (154, "error", "node 'agents' has 10 options; a phone menu can offer at most 9"),  # the options: line
        (150, "warning", f"node 'agents' menu prompt in en-US {LONG_SAID}"),
        (162, "error", "option '8' clashes with the global 'repeat' key"),
        (163, "error", "option '9' clashes with the global 'end_call' key"),
        (164, "error", "option '0' clashes with the global 'help' key"),
        # options 4 to 9 lead to the main menu, as option 3 does
        *[
            (line, "warning", f"options '3' and '{line - 154}' of node 'agents' both lead to 'main'")
            for line in range(158, 164)
        ],
    ],
    "no_way_out": [(145, "error", "node 'refunds' has no way out")],  # the options: line
    # languages
    "missing_language_prompt": [(129, "error", "node 'main' prompt is missing its en-US text")],
    "missing_language_guidance": [(141, "error", "node 'refunds' guidance text is missing its en-US text")],
    "undeclared_language": [
        (128, "error", "node 'main' title is written in 'fr-FR', which is not a declared language")
    ],
    # hours
    "unknown_timezone": [(101, "error", "time zone 'Asia/Shangai' is not a known IANA time zone")],
    "hours_bad_format": [(111, "error", "hours '9h-18h' must look like \"09:00-18:00\" or be closed")],
    "hours_end_before_start": [(111, "error", "hours '18:00-09:00' end before they start")],
    "hours_overlap": [(112, "error", "hotline 'jdpay' hours overlap")],
    "hours_day_twice": [(112, "error", "hotline 'jdpay' hours give fri twice")],
    # hotlines
    "number_letters": [(106, "error", "number '400-JDPAY' cannot be dialed: it has 'A', 'D', 'J', 'P', 'Y'")],
    "number_unquoted": [(99, "error", "hotline 'alipay' number must be in quotes (\"95188\")")],
    "unknown_hotline": [
        (165, "error", "transfers to hotline 'jd_pay', which is not a hotline (did you mean 'jdpay'?)"),  # hotline:
        (104, "warning", "hotline 'jdpay' is never used by a transfer node"),
    ],
    "unused_hotline": [(104, "warning", "hotline 'jdpay' is never used by a transfer node")],
    # transfers: what Twilio can dial
    "pstn_not_e164": [
        (
            99,
            "error",
            "number '95188' is routed by pstn, but it is a short number that only a carrier inside its own"
            " country can dial (Twilio's <Number> needs an international, E.164, number): set route: sip",
        ),
        (
            106,
            "error",
            "number '400-606-5500' is routed by pstn, and Twilio's <Number> needs an international (E.164)"
            ' number: write it with + and the country code, like "+86 400 606 5500", or set route: sip',
        ),
    ],
    "pstn_mainland_china": [
        (
            106,
            "warning",
            "number '+86 400 606 5500' is in mainland China and routed by pstn, but Twilio has not placed"
            f" calls to mainland China since 2023-11-30 ({CHINA_ARTICLE}): set route: sip",
        ),
    ],
    "sip_uri_without_number": [(176, "error", "transfers sip_uri 'sip:support@{trunk}' has no {number}")],
    "caller_id_invalid": [
        (176, "error", "caller_id 'Wallet line' is neither an E.164 number (\"+1 415 555 0100\") nor a SIP caller ID")
    ],
    # what callers hear
    "prompt_too_long": [(126, "warning", f"node 'main' menu prompt in en-US {LONG_SAID}")],
    "unknown_placeholder": [(66, "error", "message 'dial_busy' in en-US uses {hotlne}, which is not available here")],
    "missing_message": [(47, "error", "messages is missing 'goodbye'")],  # 47: the first line inside messages
    "fallback_is_menu": [(154, "error", "fallback 'main' must be a goodbye or transfer node")],  # the fallback: line
    # all at once
    "several_mistakes": [
        (97, "warning", "hotline 'alipay' is never used by a transfer node"),
        (109, "error", "time zone 'Asia/Shangai' is not a known IANA time zone"),
        (132, "error", "option '1' targets 'refund', which is not a node (did you mean 'refunds'?)"),
        (148, "error", "option '9' clashes with the global 'end_call' key"),
        (166, "warning", f"node 'to_jdpay' tip in en-US {LONG_SAID}"),
    ],
}


@pytest.mark.parametrize("name", sorted(FILE_CASES))
def test_broken_file(name: str) -> None:
    assert_problems(BROKEN / f"{name}.yaml", FILE_CASES[name])


def test_every_broken_file_has_a_test() -> None:
    assert {p.stem for p in BROKEN.glob("*.yaml")} == set(FILE_CASES)


def test_broken_files_say_what_is_wrong_and_keep_the_clean_line_numbers() -> None:
    """Each file is clean.yaml with its first two comment lines replaced by a note on the mistake."""
    clean = CLEAN.read_text(encoding="utf-8").splitlines()
    for path in BROKEN.glob("*.yaml"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# ") and lines[1].startswith("# "), path.name
        assert lines[2:] != clean[2:], f"{path.name} has no mistake"


def test_invalid_yaml_comes_with_the_quoting_tip() -> None:
    _, diagnostics = check_file(BROKEN / "yaml_syntax.yaml")
    assert [d.message.endswith(QUOTE_TIP) for d in diagnostics] == [True]
    assert "put a text in double quotes when it contains :" in diagnostics[0].message


def test_a_file_with_several_mistakes_reports_them_all_in_one_run() -> None:
    tree, diagnostics = check_file(BROKEN / "several_mistakes.yaml")
    assert tree is not None  # the tree is still built, so the graph checks ran too
    errors = [d.source.line for d in diagnostics if d.severity == "error"]
    warnings = [d.source.line for d in diagnostics if d.severity == "warning"]
    assert errors == [109, 132, 148]
    assert warnings == [97, 166]


# ---------------------------------------------------------------------------------------------
# The long tail: one edit of clean.yaml each, written here

LONG_EN = (
    "Thank you for calling the wallet support line. Please listen carefully, as our menu has changed: choose "
    "the topic of your call from the list that follows, and if you are not sure which one fits, stay on the "
    "line and we will read it again for you, more slowly."
)
AGENTS_PROMPT = '    prompt: {zh-CN: 请选择您使用的钱包。, en-US: "Which wallet do you use?"}\n'
REFUNDS_OPTION_3 = '      - {key: "3", action: main}'
JDPAY_HOURS = '        mon-fri: "09:00-18:00"'
JDPAY_SPOKEN = '    spoken: {zh-CN: 四零零 六零六 五五零零, en-US: "4 0 0, 6 0 6, 5 5 0 0"}'
NO_DEFAULT_FALLBACK = [  # a lost default fallback is felt by every menu
    (126, "error", "node 'main' has no fallback, and defaults name none"),
    (138, "error", "node 'refunds' has no fallback, and defaults name none"),
    (150, "error", "node 'agents' has no fallback, and defaults name none"),
    (168, "error", "node 'goodbye_numbers' cannot be reached"),
]

HOURS_SEPARATOR = '  hours_separator: {zh-CN: "；", en-US: ";"}'
JDPAY_OPTION = '      - {key: "2", goto: to_jdpay, keywords: {zh-CN: [京东], en-US: [jd]}}'
REFUNDS_MAIN = '      - {key: "3", action: main}'
EDIT_CASES: list = [
    # -- the file and its sections -------------------------------------------------------------
    pytest.param(
        [("  to_jdpay:\n", "  [to, jdpay]: 1\n  to_jdpay:\n")],
        [(162, "error", "a key cannot be a list or map")],
        id="key-is-a-list",
    ),
    pytest.param(
        [("key_names:  ", "key_name:   ")],
        [(92, "error", "the file has an unknown field 'key_name' (did you mean 'key_names'?)")],
        id="unknown-top-level-field",
    ),
    pytest.param(
        [("defaults:\n", "default:\n")],
        [(21, "error", "the file has an unknown field 'default' (did you mean 'defaults'?)")],
        id="missing-section",
    ),
    pytest.param(
        [("    say: {voice: Polly.Joanna, language: en-US}", "    say: Polly.Joanna")],
        [(12, "error", "'say' must be a set of 'name: value' lines")],
        id="section-not-a-mapping",
    ),
    # -- languages -----------------------------------------------------------------------------
    pytest.param(
        [
            (
                "  en-US:\n    name: English\n    say: {voice: Polly.Joanna, language: en-US}\n    speech: en-US\n"
                "    tts: {voice: gmw/en-us, rate: 160}\n",
                "  en-US: English\n",
            )
        ],
        [(10, "error", "language 'en-US' must have name, say, speech and tts settings")],
        id="language-not-a-mapping",
    ),
    pytest.param(
        [("    say: {voice: Polly.Joanna, language: en-US}\n", "")],
        [(11, "error", "language 'en-US' is missing the 'say' section")],  # not also each setting it holds
        id="language-section-missing",
    ),
    pytest.param(
        [("    speech: en-US\n", "")],
        [(10, "error", "language 'en-US' is missing its 'speech' setting")],
        id="language-missing-setting",
    ),
    pytest.param(
        [("    say: {voice: Polly.Joanna, language: en-US}", "    say: {voice: Polly.Joanna, lang: en-US}")],
        [(12, "error", "language 'en-US' has an unknown field 'lang' (did you mean 'language'?)")],
        id="language-unknown-sub-field",
    ),
    pytest.param(
        [("rate: 160}", "rate: 1600}")],
        [(14, "error", "'rate' must be a whole number from 60 to 400, not 1600")],
        id="tts-rate-out-of-range",
    ),
    pytest.param(
        [("default_language: zh-CN ", "default_language: zh-cn ")],
        [(15, "error", "default_language 'zh-cn' is not a declared language (did you mean 'zh-CN'?)")],
        id="default-language-undeclared",
    ),
    # -- entry, main_menu, help ----------------------------------------------------------------
    pytest.param(
        [("entry: welcome                  # the first node of every call (a language choice)\n", "")],
        [(4, "error", "'entry' is missing: name the node it leads to")],
        id="entry-missing",
    ),
    pytest.param(
        [("entry: welcome ", "entry: [welcome] ")],
        [(17, "error", "'entry' must be a node id")],
        id="entry-not-an-id",
    ),
    pytest.param(
        [("entry: welcome ", "entry: welcom  ")],
        [(17, "error", "entry names 'welcom', which is not a node (did you mean 'welcome'?)")],
        id="entry-unknown",
    ),
    pytest.param(
        [("main_menu: main ", "main_menu: mian ")],
        [(18, "error", "main_menu names 'mian', which is not a node (did you mean 'main'?)")],
        id="main-menu-unknown",
    ),
    pytest.param(
        [("help: agents ", "help: agent  ")],
        [(19, "error", "help names 'agent', which is not a node (did you mean 'agents'?)")],
        id="help-unknown",
    ),
    pytest.param(
        [("entry: welcome ", "entry: to_alipay ")],
        [
            (17, "error", "entry 'to_alipay' must be a language choice or a menu"),
            (118, "error", "node 'welcome' cannot be reached from the entry 'to_alipay'"),
        ],
        id="entry-not-a-menu",
    ),
    # -- defaults ------------------------------------------------------------------------------
    pytest.param(
        [("  timeout: 5 ", "  timeout: 0 ")],
        [(22, "error", "'timeout' must be a whole number from 1 to 60, not 0")],
        id="timeout-out-of-range",
    ),
    pytest.param(
        [("  dial_timeout: 30 ", "  dial_timeout: thirty ")],
        [(27, "error", "'dial_timeout' must be a whole number from 5 to 600, not 'thirty'")],
        id="number-not-a-number",
    ),
    pytest.param(
        [("  speech: true ", "  speech: often ")],
        [(25, "error", "'speech' must be true or false")],
        id="speech-not-a-boolean",
    ),
    pytest.param(
        [("  min_confidence: 0.4 ", "  min_confidence: 40  ")],
        [(26, "error", "'min_confidence' must be a number from 0 to 1")],
        id="confidence-out-of-range",
    ),
    pytest.param(
        [("  fallback: goodbye_numbers ", "  fallback: goodbye_number  ")],
        # 'goodbye_numbers', which only the fallback led to, is a note under the error
        [(29, "error", "defaults fallback names 'goodbye_number', which is not a node (did you mean")],
        id="default-fallback-unknown",
    ),
    pytest.param(
        [("  fallback: goodbye_numbers ", "  fallback: main            ")],
        [
            (29, "error", "fallback 'main' must be a goodbye or transfer node, so the call can end"),
            (168, "error", "node 'goodbye_numbers' cannot be reached"),
        ],
        id="default-fallback-is-a-menu",
    ),
    pytest.param(
        [("  fallback: goodbye_numbers ", "  fallback: [goodbye_numbers] ")],
        [(29, "error", "'fallback' must be a node id"), *NO_DEFAULT_FALLBACK],
        id="default-fallback-not-an-id",
    ),
    pytest.param(
        [("  fallback: goodbye_numbers     # where a caller goes when the attempts run out\n", "  # no fallback\n")],
        NO_DEFAULT_FALLBACK,
        id="no-fallback-anywhere",
    ),
    # -- keys ----------------------------------------------------------------------------------
    pytest.param(
        [('    back: "*"\n', "")],
        [(31, "error", "keys is missing 'back'")],
        id="global-key-missing",
    ),
    pytest.param(
        [('    repeat: "8"', '    repeat: "10"')],
        [(33, "error", "key 'repeat' must be one phone key, 0-9, * or # (in quotes), not '10'")],
        id="global-key-invalid",
    ),
    pytest.param(
        [('    repeat: "8"', '    repeat: "0"')],
        [(33, "error", "key '0' is used for both 'help' and 'repeat'")],
        id="global-key-twice",
    ),
    pytest.param(
        [('    leave_message: "1"', '    leave_message: "9"')],
        [(35, "error", "key 'leave_message' ('9') clashes with the global key 'end_call'")],
        id="short-menu-key-clashes-with-global",
    ),
    pytest.param(
        [('    hear_number: "2"', '    hear_number: "1"')],
        [(37, "error", "keys 'retry' and 'hear_number' must differ")],
        id="retry-and-hear-number-same-key",
    ),
    # -- reprompts -----------------------------------------------------------------------------
    pytest.param(
        [(AGENTS_PROMPT, AGENTS_PROMPT + "    reprompts: Sorry?\n")],
        [(154, "error", "node 'agents' reprompts must have no_input and/or no_match lists")],
        id="reprompts-not-a-mapping",
    ),
    pytest.param(
        [(AGENTS_PROMPT, AGENTS_PROMPT + "    reprompts: {no_match: Sorry.}\n")],
        [(154, "error", "node 'agents' reprompts 'no_match' must be a list, one per attempt")],
        id="reprompts-not-a-list",
    ),
    pytest.param(
        [
            (
                AGENTS_PROMPT,
                AGENTS_PROMPT + "    reprompts:\n      no_match:\n"
                "        - {zh-CN: 请再说一次。, en-US: Please say it again.}\n"
                "        - {zh-CN: 请按一个键。, en-US: Please press a key.}\n"
                "        - {zh-CN: 最后一次。, en-US: One last time.}\n",
            )
        ],
        [(158, "warning", "node 'agents' reprompts no_match #3 and later are never heard: after 3 attempts")],
        id="reprompt-never-heard",
    ),
    # -- texts ---------------------------------------------------------------------------------
    pytest.param(
        [("    title: {zh-CN: 主菜单, en-US: main menu}", "    title: 主菜单")],
        [(128, "error", "node 'main' title must be written once per language (zh-CN, en-US)")],
        id="text-written-once-for-two-languages",
    ),
    pytest.param(
        [("    title: {zh-CN: 主菜单, en-US: main menu}", "    title: [主菜单, main menu]")],
        [(128, "error", "node 'main' title must be written once per language (zh-CN, en-US)")],
        id="text-not-per-language",
    ),
    pytest.param(
        [("    title: {zh-CN: 主菜单, en-US: main menu}", '    title: {zh-CN: 主菜单, en-US: ""}')],
        [(128, "error", "node 'main' title in en-US must be non-empty text")],
        id="text-empty",
    ),
    pytest.param(
        [("    title: {zh-CN: 主菜单, en-US: main menu}", "    title: {zh-CN: 主菜单, en-us: main menu}")],
        [
            (128, "error", "node 'main' title is written in 'en-us', which is not a declared language (did you mean"),
            (128, "error", "node 'main' title is missing its en-US text"),
        ],
        id="text-language-typo",
    ),
    pytest.param(
        [('en-US: "{hotline} is busy."}', 'en-US: "{hotline is busy."} ')],
        [(66, "error", "message 'dial_busy' in en-US has a broken {placeholder}")],
        id="placeholder-unclosed",
    ),
    # -- words and key names -------------------------------------------------------------------
    pytest.param(
        [("  main: {zh-CN: [主菜单], en-US: [main menu]}", "  main: [主菜单, main menu]")],
        [(88, "error", "words 'main' must be a list of words per language")],
        id="words-not-per-language",
    ),
    pytest.param(
        [("  main: {zh-CN: [主菜单], en-US: [main menu]}", "  main: {zh-CN: [主菜单], en-GB: [main menu]}")],
        [(88, "error", "words 'main' names 'en-GB', which is not a declared language")],
        id="words-undeclared-language",
    ),
    pytest.param(
        [("  main: {zh-CN: [主菜单], en-US: [main menu]}", "  main: {zh-CN: [主菜单], en-US: {main: menu}}")],
        [(88, "error", "words 'main' in en-US must be a list of words")],
        id="words-not-a-list",
    ),
    pytest.param(
        [("Friday, Saturday, Sunday]}", "Friday, Saturday]}")],
        [(85, "error", "words 'days' in en-US must list exactly 7 words, not 6")],
        id="day-names-count",
    ),
    pytest.param(
        [
            (
                "  days: {zh-CN: [周一, 周二, 周三, 周四, 周五, 周六, 周日],\n         en-US",
                "  dayz: {zh-CN: [周一, 周二, 周三, 周四, 周五, 周六, 周日],\n         en-US",
            )
        ],
        [(84, "error", "words has an unknown field 'dayz' (did you mean 'days'?)")],
        id="day-names-missing",
    ),
    pytest.param(
        [("         en-US: [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday]}", "        }")],
        [(84, "error", "words 'days' is missing its en-US list")],
        id="day-names-missing-a-language",
    ),
    pytest.param(
        [('  "*": {zh-CN: 星号键, en-US: star}\n', "")],
        [(93, "error", "key_names is missing '*' (how the key is said)")],
        id="key-name-missing",
    ),
    pytest.param(
        [
            (
                '  "#": {zh-CN: 井号键, en-US: hash}\n',
                '  "#": {zh-CN: 井号键, en-US: hash}\n  star: {zh-CN: 星号, en-US: star}\n',
            )
        ],
        [(95, "error", "each entry of key_names must be one phone key, 0-9, * or # (in quotes), not 'star'")],
        id="key-name-not-a-key",
    ),
    pytest.param(
        [
            (
                "key_names:                      # how keys other than digits are said\n"
                '  "*": {zh-CN: 星号键, en-US: star}\n'
                '  "#": {zh-CN: 井号键, en-US: hash}\n',
                "key_names: star and hash\n",
            )
        ],
        [(92, "error", "'key_names' must map keys to how they are said")],
        id="key-names-not-a-mapping",
    ),
    # -- hotlines ------------------------------------------------------------------------------
    pytest.param(
        [("  jdpay:\n", "  Bank-Card: {}\n  jdpay:\n")],
        [(104, "error", "hotline 'Bank-Card': ids are lower-case letters, digits and '_'")],
        id="hotline-id",
    ),
    pytest.param(
        [("  jdpay:\n", '  bank: "95566"\n  jdpay:\n')],
        [(104, "error", "hotline 'bank' must have a name, number and hours")],
        id="hotline-not-a-mapping",
    ),
    pytest.param(
        [('    number: "400-606-5500"\n', "")],
        [(105, "error", "hotline 'jdpay' has no 'number'")],
        id="number-missing",
    ),
    pytest.param(
        [('    number: "400-606-5500"', "    number: [400, 606, 5500]")],
        [(106, "error", "hotline 'jdpay' number must be text like \"400-606-5500\"")],
        id="number-not-text",
    ),
    pytest.param(
        [('    number: "400-606-5500"', '    number: "+0086 400"   ')],
        [(106, "error", "number '+0086 400' is not an international (E.164) number")],
        id="number-not-e164",
    ),
    pytest.param(
        [("  route: sip       ", "  route: phone     ")],
        [(175, "error", "transfers route 'phone' is not a route: use pstn (Twilio dials an E.164 number) or sip")],
        id="route-unknown",
    ),
    pytest.param(
        [(JDPAY_SPOKEN, "    route: SIP")],
        [(107, "error", "hotline 'jdpay' route 'SIP' is not a route")],
        id="hotline-route-unknown",
    ),
    pytest.param(
        [('  sip_uri: "sip:{number}@{trunk}"', '  sip_uri: "sip:{number}@{host}"')],
        [(176, "error", "transfers sip_uri uses {host}: only {number} and {trunk} are filled in")],
        id="sip-uri-unknown-placeholder",
    ),
    pytest.param(
        [('  sip_uri: "sip:{number}@{trunk}"', '  sip_uri: "{number}@{trunk}"')],
        [(176, "error", "transfers sip_uri '{number}@{trunk}' is not a SIP address like \"sip:{number}@{trunk}\"")],
        id="sip-uri-not-sip",
    ),
    pytest.param(
        [('  sip_uri: "sip:{number}@{trunk}"', "  caller_id: 14155550100")],
        [(176, "error", 'transfers caller_id must be in quotes ("+14155550100")')],
        id="caller-id-unquoted",
    ),
    pytest.param(
        [
            ('  sip_uri: "sip:{number}@{trunk}"', '  caller_id: "wallet_line"'),
            ('    number: "400-606-5500"', '    number: "+1 212 555 0123"'),
            (JDPAY_SPOKEN, "    route: pstn"),
        ],
        [
            (
                176,
                "error",
                "transfers caller_id 'wallet_line' is not an E.164 number, so it cannot be shown on a pstn"
                " transfer (jdpay)",
            )
        ],
        id="caller-id-sip-style-on-pstn",
    ),
    pytest.param(
        [('    number: "400-606-5500"', '    number: "12"')],
        [(106, "error", "number '12' cannot be dialed: it has 2 digits (3 to 15)")],
        id="number-too-short",
    ),
    # -- hours ---------------------------------------------------------------------------------
    pytest.param(
        [
            (
                "    hours:\n      timezone: Asia/Shanghai   # an IANA time zone\n"
                '      weekly:\n        daily: "00:00-24:00"\n',
                "    hours: always\n    # (was: timezone,\n    #  weekly,\n    #  daily)\n",
            )
        ],
        [(100, "error", "hotline 'alipay' hours must have a timezone and weekly hours")],
        id="hours-not-a-mapping",
    ),
    pytest.param(
        [("      timezone: Asia/Shanghai   # an IANA time zone\n", "")],
        [(101, "error", "hotline 'alipay' hours need a 'timezone', such as Asia/Shanghai")],
        id="timezone-missing",
    ),
    pytest.param(
        [('      weekly:\n        daily: "00:00-24:00"\n', "")],
        [(101, "error", "hotline 'alipay' hours need 'weekly'")],
        id="weekly-missing",
    ),
    pytest.param(
        [(JDPAY_HOURS, '        mon-fr: "09:00-18:00"')],
        [(111, "error", "hours: 'mon-fr' is not a day like mon, a range like mon-fri, or daily")],
        id="day-name-typo",
    ),
    pytest.param(
        [(JDPAY_HOURS, '        fri-mon: "09:00-18:00"')],
        [(111, "error", "hours: 'fri-mon' runs backwards; write it Monday first")],
        id="day-range-backwards",
    ),
    pytest.param(
        [(JDPAY_HOURS, '        1: "09:00-18:00"')],
        [(111, "error", "hours: '1' is not a day like mon, or a range like mon-fri")],
        id="day-not-a-name",
    ),
    pytest.param(
        [(JDPAY_HOURS, "        mon-fri: 9:00")],  # YAML 1.1 reads 9:00 as the number 540
        [(111, "error", 'hours must be in quotes, like "09:00-18:00"')],
        id="hours-unquoted",
    ),
    pytest.param(
        [(JDPAY_HOURS, '        mon-fri: "09:00-25:00"')],
        [(111, "error", "hours '09:00-25:00' is not a real time of day (00:00 to 24:00)")],
        id="hours-not-a-time",
    ),
    pytest.param(
        [("        2027-02-06: closed ", "        6 Feb 2027: closed ")],
        [(114, "error", "hotline 'jdpay' date '6 Feb 2027' must be written YYYY-MM-DD")],
        id="date-format",
    ),
    pytest.param(
        [("        2027-02-06: closed ", '        "2027-02-30": closed ')],
        [(114, "error", "hotline 'jdpay' date '2027-02-30' must be written YYYY-MM-DD (a real date)")],
        id="date-not-real",
    ),
    pytest.param(
        [
            (
                "      dates:\n        2027-02-06: closed                          # a holiday\n"
                '        2026-12-31: "09:00-12:00"                   # special hours\n',
                "      dates: [2027-02-06]\n",
            )
        ],
        [(113, "error", "hotline 'jdpay' 'dates' must map YYYY-MM-DD to hours or closed")],
        id="dates-not-a-mapping",
    ),
    # -- nodes ---------------------------------------------------------------------------------
    pytest.param(
        [("  goodbye_numbers:\n", "  Extra-Node: {kind: goodbye}\n  goodbye_numbers:\n")],
        [(168, "error", "node id 'Extra-Node': use lower-case letters, digits and '_'")],
        id="node-id",
    ),
    pytest.param(
        [("  goodbye_numbers:\n", "  extra: goodbye\n  goodbye_numbers:\n")],
        [(168, "error", "node 'extra' must have a kind and its settings")],
        id="node-not-a-mapping",
    ),
    pytest.param(
        [("    next: main\n", "    next: mian\n")],
        [(124, "error", "node 'welcome' next is 'mian', which is not a node (did you mean 'main'?)")],  # next:
        id="language-next-unknown",
    ),
    pytest.param(
        [("    next: main\n", "")],
        [(119, "error", "node 'welcome' needs 'next': the node callers go to after choosing")],
        id="language-next-missing",
    ),
    pytest.param(
        [('      - {key: "2", language: en-US', '      - {key: "1", language: en-US')],
        [(123, "error", "node 'welcome' uses key '1' twice (first at line 122)")],
        id="language-duplicate-key",
    ),
    pytest.param(
        [
            (
                "language: en-US, label: {en-US: English}, keywords: {en-US: [English]}",
                "language: en-GB, label: {en-GB: English}",
            )
        ],
        # not also "offers no option for en-US": that is the same mistake
        [(123, "error", "node 'welcome' option language 'en-GB' is not declared (did you mean 'en-US'?)")],
        id="language-option-undeclared",
    ),
    pytest.param(
        [('      - {key: "2", language: en-US, label: {en-US: English}, keywords: {en-US: [English]}}\n', "")],
        [(121, "error", "node 'welcome' offers no option for en-US")],  # the options: line
        id="language-option-missing",
    ),
    pytest.param(
        [('      - {key: "2", language: en-US, label: {en-US: English}, keywords: {en-US: [English]}}', '      - "2"')],
        [(123, "error", "node 'welcome' option #2 must have a key and a language")],
        id="language-option-not-a-mapping",
    ),
    pytest.param(
        [
            (
                "    options:\n"
                '      - {key: "1", language: zh-CN, label: {zh-CN: 普通话服务}, keywords: {zh-CN: [普通话, 中文]}}\n'
                '      - {key: "2", language: en-US, label: {en-US: English}, keywords: {en-US: [English]}}\n',
                "    options: []\n",
            )
        ],
        [(121, "error", "node 'welcome' needs options, one per language")],
        id="language-no-options",
    ),
    pytest.param(
        [
            (
                "    prompt: {zh-CN: 您好，欢迎致电钱包客服热线。, en-US: Welcome to the wallet support line.}",
                f'    prompt: {{zh-CN: 您好，欢迎致电钱包客服热线。, en-US: "{LONG_EN} {LONG_EN}"}}',
            )
        ],
        [(118, "warning", f"node 'welcome' language choice {LONG_SAID}")],
        id="language-choice-too-long",
    ),
    pytest.param(
        [("    prompt: {zh-CN: 请选择您要咨询的问题。, en-US: Please choose a topic.}\n", "")],
        [(126, "error", "node 'main' needs a 'prompt' in every language")],
        id="menu-prompt-missing",
    ),
    pytest.param(
        [
            (
                "    text:\n      zh-CN: 在订单页面申请退款，写清理由。审核通过后，钱会退回原账户。\n"
                "      en-US: Ask for the refund on the order page and give a reason."
                " Once approved, the money goes back.\n",
                "",
            )
        ],
        [(138, "error", "node 'refunds' needs its guidance 'text' in every language")],
        id="info-text-missing",
    ),
    pytest.param(
        [
            (
                '    options:\n      - {key: "1", action: repeat}\n'
                '      - {key: "2", goto: to_alipay, label: {zh-CN: 转接支付宝客服,'
                ' en-US: Alipay support}}\n      - {key: "3", action: main}\n',
                "    options: to_alipay\n    #\n    #\n    #\n",
            )
        ],
        [(145, "error", "node 'refunds' options must be a list of '- key: …' entries")],  # not also "no way out"
        id="menu-options-not-a-list",
    ),
    pytest.param(
        [(AGENTS_PROMPT, AGENTS_PROMPT + "    timeout: 100\n")],
        [(154, "error", "'timeout' must be a whole number from 1 to 60, not 100")],
        id="menu-timeout-out-of-range",
    ),
    pytest.param(
        [(AGENTS_PROMPT, AGENTS_PROMPT + "    fallback: [goodbye_numbers]\n")],
        [(154, "error", "node 'agents' fallback must be a node id")],
        id="menu-fallback-not-an-id",
    ),
    pytest.param(
        [(AGENTS_PROMPT, AGENTS_PROMPT + "    fallback: goodbye\n")],
        [(154, "error", "node 'agents' fallback is 'goodbye', which is not a node (did you mean 'goodbye_numbers'?)")],
        id="menu-fallback-unknown",
    ),
    pytest.param(
        [(REFUNDS_OPTION_3, '      - "3"')],
        [(148, "error", "node 'refunds' option must have a key and goto (or action)")],
        id="option-not-a-mapping",
    ),
    pytest.param(
        [(REFUNDS_OPTION_3, '      - {key: "3", action: main, goto: main}')],
        [(148, "error", "node 'refunds' option '3' has both goto and action; keep one")],
        id="option-goto-and-action",
    ),
    pytest.param(
        [(REFUNDS_OPTION_3, '      - {key: "3", goto: [main]}')],
        [(148, "error", "node 'refunds' option '3' goto must be a node id")],
        id="option-goto-not-an-id",
    ),
    pytest.param(
        [(REFUNDS_OPTION_3, '      - {key: "3", action: mian}')],
        [
            (
                148,
                "error",
                "option '3' has action 'mian'; use one of repeat, back, main, help, end_call (did you mean 'main'?)",
            )
        ],
        id="option-unknown-action",
    ),
    pytest.param(
        [(REFUNDS_OPTION_3, '      - {key: "3"}')],
        [(148, "error", "node 'refunds' option '3' needs goto: <node> or action: <repeat|back|main|help|end_call>")],
        id="option-without-goto-or-action",
    ),
    pytest.param(
        [
            ('help: agents                    # where the help key ("0") leads\n', ""),
            (REFUNDS_OPTION_3, '      - {key: "3", action: help}'),
        ],
        [(147, "error", "option '3' asks for help, but the file names no help node")],
        id="help-option-without-help-node",
    ),
    pytest.param(
        [("    title: {zh-CN: 京东支付客服, en-US: JD Pay support}\n", "")],
        [(156, "error", "option '2' has no label in zh-CN, and 'to_jdpay' has no title")],
        id="option-without-label-or-title",
    ),
    pytest.param(
        [("keywords: {zh-CN: [京东], en-US: [jd]}", "keywords: {zh-CN: [支付宝], en-US: [jd]}")],
        # at the keywords of the second option that has it
        [(156, "warning", "node 'agents': the zh-CN keyword '支付宝' belongs to 2 options, so saying it chooses none")],
        id="keyword-on-two-options",
    ),
    pytest.param(
        [("    hotline: jdpay\n", "")],
        # not also "hotline 'jdpay' is never used": the broken node may be what uses it
        [(162, "error", "node 'to_jdpay' needs 'hotline': the id of the hotline to transfer to")],
        id="transfer-without-hotline",
    ),
    pytest.param(
        [
            (
                "en-US: Ask for the refund on the order page and give a reason. Once approved, the money goes back.",
                f'en-US: "{LONG_EN} {LONG_EN}"',
            )
        ],
        [(141, "warning", f"node 'refunds' guidance in en-US {LONG_SAID}")],
        id="guidance-too-long",
    ),
    pytest.param(
        [("en-US: Please have your order number ready.}", f'en-US: "{LONG_EN} {LONG_EN}"}}')],
        [(166, "warning", f"node 'to_jdpay' tip in en-US {LONG_SAID}")],
        id="transfer-tip-too-long",
    ),
    pytest.param(
        [
            (
                "en-US: Sorry we could not help this time. Alipay's number is 9 5 1 8 8. Goodbye.",
                f'en-US: "{LONG_EN} {LONG_EN}"',
            )
        ],
        [(170, "warning", f"node 'goodbye_numbers' text in en-US {LONG_SAID}")],
        id="goodbye-too-long",
    ),
    pytest.param(
        [
            (
                JDPAY_OPTION,
                JDPAY_OPTION + '\n      - {key: "3", goto: refunds}\n      - {key: "4", action: main}'
                '\n      - {key: "5", action: end_call}'
                '\n      - {key: "6", goto: goodbye_numbers, label: {zh-CN: 其他电话, en-US: other numbers}}',
            )
        ],
        [(154, "warning", "node 'agents' announces 8 choices (6 options and 2 global keys); callers keep about 7")],
        id="eight-choices-heard",
    ),
    pytest.param(
        [(HOURS_SEPARATOR, HOURS_SEPARATOR + '\n  weekends: {zh-CN: "周末{days}", en-US: weekends}')],
        [(61, "error", "message 'weekends' in zh-CN uses {days}, which is not available here")],
        id="optional-message-with-a-placeholder",
    ),
    pytest.param(
        [(HOURS_SEPARATOR, HOURS_SEPARATOR + "\n  weekend: {zh-CN: 周末, en-US: weekends}")],
        [(61, "error", "messages has an unknown field 'weekend' (did you mean 'weekends'?)")],
        id="optional-message-misspelt",
    ),
    pytest.param(
        [
            (
                JDPAY_OPTION,
                JDPAY_OPTION + '\n      - {key: "3", goto: to_alipay, label: {zh-CN: 蚂蚁客服, en-US: Ant support}}',
            )
        ],
        [(157, "warning", "options '1' and '3' of node 'agents' both lead to 'to_alipay'; callers hear two keys")],
        id="two-options-one-place",
    ),
    pytest.param(
        [(REFUNDS_MAIN, REFUNDS_MAIN + '\n      - {key: "4", action: back}\n      - {key: "5", action: back}')],
        [  # refunds is reached from main only, so back, like option 3, returns to the main menu
            (149, "warning", "options '3' and '4' of node 'refunds' both lead to 'main'"),
            (150, "warning", "options '3' and '5' of node 'refunds' both lead to 'main'"),
        ],
        id="back-where-main-already-leads",
    ),
]


@pytest.mark.parametrize("edits, expected", EDIT_CASES)
def test_broken_edit(tmp_path: Path, request: pytest.FixtureRequest, edits, expected) -> None:
    path = broken_copy(tmp_path, request.node.callspec.id, edits)
    assert_problems(path, expected)


# -- variations that are valid: no check may fire on them -----------------------------------------


@pytest.mark.parametrize(
    "edits",
    [
        pytest.param(
            [
                (
                    AGENTS_PROMPT,
                    AGENTS_PROMPT
                    + "    reprompts:\n      no_match: [{zh-CN: 请说支付宝或京东。, en-US: Say Alipay or JD.}]\n",
                )
            ],
            id="reprompts-with-only-no-match",
        ),
        pytest.param([('    repeat: "8"', "    repeat: 8  ")], id="a-digit-key-without-quotes"),
        pytest.param([('    end_call: "9" ', "    # no end_call")], id="no-end-call-key"),
        pytest.param([(JDPAY_HOURS, '        mon-fri: ["09:00-12:00", "13:00-18:00"]')], id="two-ranges-a-day"),
        pytest.param([('    number: "95188"', '    number: "+86 95188 000"')], id="international-number"),
        pytest.param(
            [('    number: "400-606-5500"', '    number: "+1 212 555 0123"'), (JDPAY_SPOKEN, "    route: pstn")],
            id="an-e164-number-by-pstn",
        ),
        pytest.param([('  sip_uri: "sip:{number}@{trunk}"', '  caller_id: "+1 415 555 0100"')], id="caller-id-e164"),
        pytest.param([('  sip_uri: "sip:{number}@{trunk}"', '  caller_id: "wallet_line"')], id="caller-id-on-sip"),
        pytest.param(
            [('  sip_uri: "sip:{number}@{trunk}"', '  sip_uri: "sips:{number}@pbx.example.com:5061"')],
            id="sip-uri-with-its-own-host",
        ),
    ],
)
def test_valid_variation(tmp_path: Path, request: pytest.FixtureRequest, edits) -> None:
    assert_problems(broken_copy(tmp_path, request.node.callspec.id, edits), [])


# -- files that are not menus at all -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("", 1, "the file is empty"),
        ("# only a comment\n", 1, "the file is empty"),
        ("- languages\n- nodes\n", 1, "the file must be a set of sections"),
        ("languages: {}\n", 1, "declare at least one language"),
    ],
    ids=["empty", "only-comments", "a-list", "no-languages"],
)
def test_not_a_menu(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / "menu.yaml"
    path.write_text(text, encoding="utf-8")
    tree, diagnostics = check_file(path)
    assert tree is None
    assert [(d.source.line, d.severity) for d in diagnostics] == [(line, "error")]
    assert words in diagnostics[0].message


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    tree, diagnostics = check_file(tmp_path / "nope.yaml")
    assert tree is None and [d.message for d in diagnostics] == ["no such file"]
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("title: caf\xe9\n".encode("latin-1"))
    tree, diagnostics = check_file(latin1)
    assert tree is None and diagnostics[0].message.startswith("cannot read the file")


# ---------------------------------------------------------------------------------------------
# The command: ivr validate

SEVERAL = BROKEN / "several_mistakes.yaml"
UNUSED = BROKEN / "unused_hotline.yaml"


def test_cli_a_clean_file_exits_0_with_its_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(CLEAN)]) == 0
    assert capsys.readouterr().out == f"{CLEAN}: ok (7 nodes, 2 hotlines, 2 languages)\n"


def test_cli_warnings_alone_exit_0_unless_strict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(UNUSED)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{UNUSED}:104: warning: hotline 'jdpay' is never used by a transfer node",
        f"{UNUSED}: 0 errors, 1 warning",
    ]
    assert main(["validate", "--strict", str(UNUSED)]) == 1


def test_cli_errors_exit_1_listed_errors_first_per_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SEVERAL), str(CLEAN)]) == 1
    lines = capsys.readouterr().out.splitlines()
    problems = [line.removeprefix(f"{SEVERAL}:").split(": ", 2)[:2] for line in lines[:6]]
    assert problems == [
        ["109", "error"],
        ["132", "error"],
        ["    note", "…and 1 node below it can't be reached until this is fixed"],
        ["148", "error"],
        ["97", "warning"],
        ["166", "warning"],
    ]
    assert lines[1:3] == [
        f"{SEVERAL}:132: error: option '1' targets 'refund', which is not a node (did you mean 'refunds'?)",
        "    note: …and 1 node below it can't be reached until this is fixed: refunds",
    ]
    assert lines[6:] == [f"{SEVERAL}: 3 errors, 2 warnings", f"{CLEAN}: ok (7 nodes, 2 hotlines, 2 languages)"]


def test_cli_a_short_number_by_pstn_fails_at_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``number: "95188"`` routed by pstn: Twilio would get <Number>95188</Number> (13223/13224)."""
    path = broken_copy(tmp_path, "by-pstn", [("  route: sip       ", "  route: pstn      ")])
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:99: error: hotline 'alipay' number '95188' is routed by pstn" in out
    assert f"{path}:106: error: hotline 'jdpay' number '400-606-5500' is routed by pstn" in out


def test_cli_a_missing_file_exits_2_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(CLEAN), "menus/nope.yaml"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "ivr validate: menus/nope.yaml: no such file\n"
    assert captured.out == f"{CLEAN}: ok (7 nodes, 2 hotlines, 2 languages)\n"  # the others are still checked


def test_cli_quiet_prints_only_problems(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--quiet", str(CLEAN)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["validate", "-q", str(SEVERAL)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6 and all(line.startswith((f"{SEVERAL}:", "    note: ")) for line in lines)


def test_cli_without_files_checks_menus_but_not_its_sub_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "menus" / "drafts").mkdir(parents=True)
    (tmp_path / "menus" / "line.yaml").write_text(CLEAN.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "menus" / "drafts" / "broken.yaml").write_text("nodes: [", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == "menus/line.yaml: ok (7 nodes, 2 hotlines, 2 languages)\n"


def test_cli_without_files_and_no_menus_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 2
    assert "no menu files in menus/" in capsys.readouterr().err


class _Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_colours_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    assert use_colour(_Terminal(), {}) is True
    assert use_colour(StringIO(), {}) is False
    assert use_colour(_Terminal(), {"NO_COLOR": "1"}) is False
    assert use_colour(_Terminal(), {"NO_COLOR": ""}) is True  # no-color.org: only a non-empty value counts

    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = _Terminal()
    validate_files([SEVERAL], out=terminal, err=StringIO())
    assert "\033[1;31merror\033[0m" in terminal.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = _Terminal()
    validate_files([SEVERAL], out=terminal, err=StringIO())
    assert "\033[" not in terminal.getvalue()


def _ivr(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ivr", *args], cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=60
    )


def test_cli_as_a_real_process() -> None:
    """The installed entry point, not just ``main()``: exit codes reach the shell, output is plain text."""
    broken = "tests/fixtures/broken/number_unquoted.yaml"
    result = _ivr("validate", broken)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{broken}:99: error: hotline 'alipay' number must be in quotes (\"95188\"), or a leading 0 would be lost",
        f"{broken}: 1 error, 0 warnings",
    ]
    assert "\033[" not in result.stdout  # a pipe is not a terminal
    assert _ivr("validate", "menus/examples/minimal.yaml").returncode == 0
    missing = _ivr("validate", "menus/examples/nope.yaml")
    assert missing.returncode == 2
    assert "menus/examples/nope.yaml: no such file" in missing.stderr
