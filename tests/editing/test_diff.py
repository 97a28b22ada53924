"""`ivr diff`: what a caller would notice between two versions of a menu, and nothing else.

Copies of the shipped menu with deliberate edits: the diff must list exactly those edits, in the
caller's terms (moved keys, reworded texts per language, hours as they are read out), and say
nothing about edits a caller cannot hear (comments, key order, anchors).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ivr.call.changes import Change, compare
from ivr.call.checks import check_menu
from ivr.cli import main

ROOT = Path(__file__).resolve().parents[2]
WALLET = ROOT / "menus" / "wallet.yaml"
MOVE = ('      - key: "5"                  # the help', '      - key: "6"                  # the help')
OLD_PROMPT = "Choose one."
NEW_PROMPT = "What seems to be the problem?"
ACCOUNT = '    title: {zh-CN: 登录和账户, en-US: "login and account"}\n'
REWORD = (  # the account menu's prompt (other menus say the same words)
    f'{ACCOUNT}    prompt: {{zh-CN: 请选择。, en-US: "{OLD_PROMPT}"}}',
    f'{ACCOUNT}    prompt: {{zh-CN: 请选择。, en-US: "{NEW_PROMPT}"}}',
)
CARD_OPTION = '      - key: "1"\n        goto: bank_cards\n'  # in unbind_card's follow-up
RENAMED = '      - key: "1"\n        goto: bank_card\n'


def copy_with(tmp_path: Path, *edits: tuple[str, str], name: str = "new.yaml") -> Path:
    text = WALLET.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def changes(old: Path, new: Path) -> list[Change]:
    old_tree, old_problems = check_menu(old)
    new_tree, new_problems = check_menu(new)
    return compare(old_tree, new_tree, old_problems, new_problems)


def test_one_option_moved_and_one_prompt_reworded_are_exactly_the_two_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = copy_with(tmp_path, MOVE, REWORD)
    found = changes(WALLET, new)
    assert [(c.where, c.what, c.lang, c.old, c.new) for c in found] == [
        ("node 'main'", "option moved (goto agents)", None, "key 5", "key 6"),
        ("node 'account'", "prompt reworded", "en-US", f"“{OLD_PROMPT}”", f"“{NEW_PROMPT}”"),
    ]
    assert main(["diff", str(WALLET), str(new)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{WALLET} → {new}: 2 changes a caller would notice"
    body = [line for line in out[1:] if line.strip()]
    assert body[0] == "every language"
    assert body[1].startswith("  node 'main': option moved (goto agents): key 5 → key 6 (line ")
    assert body[2] == "en-US"
    assert body[3].startswith(f"  node 'account': prompt reworded: “{OLD_PROMPT}” → “{NEW_PROMPT}” (line ")
    assert body[4:] == []


def test_edits_a_caller_cannot_hear_are_no_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy_with(
        tmp_path,
        ("# The shipped phone line", "# The line we ship"),  # a comment
        ("  timeout: 5\n  max_no_input: 3\n", "  max_no_input: 3\n  timeout: 5\n"),  # key order
        ('title: {zh-CN: 主菜单, en-US: "the main menu"}', "title: {en-US: the main menu, zh-CN: 主菜单}"),  # quoting
    )
    assert changes(WALLET, new) == []
    assert main(["diff", str(WALLET), str(new)]) == 0
    assert capsys.readouterr().out == f"{WALLET} → {new}: nothing a caller would notice changed\n"


def test_options_added_removed_and_retargeted(tmp_path: Path) -> None:
    new = copy_with(
        tmp_path,
        ('      - key: "4"\n        goto: money\n', '      - key: "4"\n        goto: fees\n'),
        (CARD_OPTION, '      - key: "2"\n        goto: bank_cards\n'),
    )
    found = {(c.where, c.what, c.old, c.new) for c in changes(WALLET, new)}
    assert ("node 'main'", "option '4' now leads elsewhere", "goto money", "goto fees") in found
    assert ("node 'unbind_card'", "option moved (goto bank_cards)", "key 1", "key 2") in found
    # 'money' and its topics are now cut off: the new problem says so, once
    assert any(c[1] == "new error" and "cannot be reached" in c[3] for c in found)


def test_hotline_number_and_hours_as_callers_hear_them(tmp_path: Path) -> None:
    new = copy_with(
        tmp_path,
        ('    number: "400-606-5500"', '    number: "400-606-5511"'),
        ('        mon-fri: "08:00-22:00"', '        mon-fri: "08:00-20:00"'),
        (
            "        2027-02-07: closed\n        2027-02-08: closed\n",
            '        2027-02-07: closed\n        2027-02-08: closed\n        2027-02-21: "09:00-18:00"\n',
        ),
    )
    found = [c for c in changes(WALLET, new)]
    summaries = [c.summary() for c in found]
    assert "hotline 'jdpay': number changed: 400-606-5500 → 400-606-5511" in summaries
    weekly = [c for c in found if c.what == "weekly hours changed"]
    assert {c.lang for c in weekly} == {"zh-CN", "en-US"}
    assert any("8 p.m." in c.new for c in weekly if c.lang == "en-US")
    assert "hotline 'baiduwallet': hours on 2027-02-21 (Sun) changed: weekly hours → 09:00-18:00" in summaries


def test_nodes_added_and_removed(tmp_path: Path) -> None:
    new = copy_with(
        tmp_path,
        (CARD_OPTION, RENAMED),
        ("  bank_cards:\n", "  bank_card:\n"),
    )
    found = [c.summary() for c in changes(WALLET, new)]
    assert found == [
        "node 'bank_card': node added: info (银行客服电话)",
        "node 'bank_cards': node removed: info",
        "node 'unbind_card': option '1' now leads elsewhere: goto bank_cards → goto bank_card",
    ]


def test_new_problems_are_changes_and_fixed_ones_too(tmp_path: Path) -> None:
    broken = copy_with(tmp_path, (CARD_OPTION, RENAMED))
    found = [c.summary() for c in changes(WALLET, broken)]
    assert "problems: new error: option '1' targets 'bank_card', which is not a node (did you mean 'bank_cards'?)" in (
        found
    )
    assert (
        "problems: error fixed: option '1' targets 'bank_card', which is not a node (did you mean 'bank_cards'?)"
        in ([c.summary() for c in changes(broken, WALLET)])
    )


def test_markdown_for_a_pull_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy_with(tmp_path, MOVE, REWORD)
    assert main(["diff", "--format", "markdown", str(WALLET), str(new)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"### What callers would notice: `{WALLET}` → `{new}`\n\n2 changes.\n")
    assert "**Every language**" in out and "**en-US**" in out
    assert f"  - before: “{OLD_PROMPT}”" in out
    assert f"  - after: “{NEW_PROMPT}”" in out


def test_git_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, timeout=30)

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    (tmp_path / "menus").mkdir()
    menu = tmp_path / "menus" / "line.yaml"
    menu.write_text(WALLET.read_text(encoding="utf-8"), encoding="utf-8")
    git("add", ".")
    git("commit", "-qm", "one")
    copy_with(tmp_path / "menus", MOVE, name="line.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["diff", "git:HEAD:menus/line.yaml", "menus/line.yaml"]) == 1
    assert "option moved (goto agents): key 5 → key 6" in capsys.readouterr().out
    assert main(["diff", "git:HEAD:menus/line.yaml", "git:HEAD:menus/line.yaml"]) == 0
    capsys.readouterr()
    assert main(["diff", "git:nope:menus/line.yaml", "menus/line.yaml"]) == 2
    assert "git:nope:menus/line.yaml" in capsys.readouterr().err
    assert main(["diff", "git:HEAD", "menus/line.yaml"]) == 2
    assert "git:REV:path" in capsys.readouterr().err


def test_a_missing_file_is_trouble(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(WALLET), str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_sections_added_to_the_format_since_are_compared_by_value(tmp_path: Path) -> None:
    """Fields this command does not know by name (the transfers section, a hotline's route) still count."""
    new = copy_with(
        tmp_path,
        ('  sip_uri: "sip:{number}@{trunk}"', '  sip_uri: "sip:{number}@{trunk};transport=tls"'),
        ('    number: "95188"\n', '    number: "95188"\n    route: sip\n'),  # its route already: no change
    )
    found = [c.summary() for c in changes(WALLET, new)]
    assert len(found) == 1, found
    assert found[0].startswith("the file: transfers changed: (route=sip, sip_uri=sip:{number}@{trunk},")
    assert "sip_uri=sip:{number}@{trunk};transport=tls" in found[0]


def test_a_pronunciation_changed_word_by_word(tmp_path: Path) -> None:
    new = copy_with(tmp_path, ("    重拨: chong2 bo1 ", "    重拨: chong2 bo2 "))
    found = [(c.summary(), c.lang) for c in changes(WALLET, new)]
    assert found == [("lexicon: '重拨' pronounced: chong2 bo1 → chong2 bo2", "zh-CN")]
