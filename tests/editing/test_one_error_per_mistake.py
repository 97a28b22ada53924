"""One mistake, one error, at the line to change: the promises of issue 16 on the shipped menu.

Each test copies ``menus/wallet.yaml`` with one mistake and checks that ``ivr validate`` reports
exactly one error, on the line of the key that was mistyped, with a "did you mean" where one exists;
what follows from the mistake (nodes it cuts off) is a note under that error, not errors of its own.
Lines are found in the copy by their text, so the tests keep working when the menu grows.
"""

from __future__ import annotations

from pathlib import Path

from ivr.call.checks import check_menu
from ivr.commands.validate import format_diagnostic

ROOT = Path(__file__).resolve().parents[2]
WALLET = ROOT / "menus" / "wallet.yaml"


def copy_with(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The shipped menu with ``old`` (which occurs once) replaced; returns it and the edited line's number."""
    text = WALLET.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in wallet.yaml"
    line = text[: text.index(old)].count("\n") + 1 + old[: len(old) - len(old.lstrip("\n"))].count("\n")
    path = tmp_path / "wallet.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, line


def problems(path: Path) -> list:
    _, diagnostics = check_menu(path)
    return diagnostics


def test_a_dangling_next_is_reported_at_its_own_line_with_a_suggestion_and_nothing_else(tmp_path: Path) -> None:
    path, line = copy_with(tmp_path, "    next: main\n", "    next: mian\n")
    [diagnostic] = problems(path)
    assert (diagnostic.source.line, diagnostic.severity) == (line, "error")
    assert diagnostic.message == "node 'welcome' next is 'mian', which is not a node (did you mean 'main'?)"
    assert diagnostic.notes == ()


def test_a_dangling_goto_is_one_error_and_the_nodes_it_cuts_off_are_a_note(tmp_path: Path) -> None:
    path, line = copy_with(tmp_path, "        goto: account\n", "        goto: acount\n")
    [diagnostic] = problems(path)
    assert (diagnostic.source.line, diagnostic.severity) == (line, "error")
    assert diagnostic.message == "option '1' targets 'acount', which is not a node (did you mean 'account'?)"
    # 'account', its topics, its account-changes menu and the "rest of the topic" nodes: one note
    assert diagnostic.notes == (
        "…and 13 nodes below it can't be reached until this is fixed: account, login_failed, account_locked,"
        " app_crash, account_changes, …",
    )
    assert format_diagnostic(diagnostic).splitlines()[1].startswith("    note: …and 13 nodes below it")


def test_a_goto_with_no_likely_target_leaves_one_error_for_what_nobody_reaches(tmp_path: Path) -> None:
    """Without a close match nobody can tell what was meant: the cut-off part is reported once, at its top."""
    path, line = copy_with(tmp_path, "        goto: account\n", "        goto: xyz\n")
    target, orphan = sorted(problems(path), key=lambda d: d.source.line)
    assert (target.source.line, target.message) == (line, "option '1' targets 'xyz', which is not a node")
    assert orphan.message.startswith("node 'account' cannot be reached from the entry 'welcome'")
    assert orphan.notes == (
        "…and 12 nodes below it can't be reached either: login_failed, account_locked, app_crash, account_changes,"
        " account_locked_why, …",
    )


def test_a_misspelt_required_field_is_one_error_not_also_a_missing_one(tmp_path: Path) -> None:
    path, line = copy_with(tmp_path, "    hotline: jdpay\n", "    hotlin: jdpay\n")
    [diagnostic] = problems(path)
    assert diagnostic.source.line == line
    assert diagnostic.message == "node 'to_jdpay' has an unknown field 'hotlin' (did you mean 'hotline'?)"


def test_an_unknown_hotline_is_reported_at_the_hotline_line(tmp_path: Path) -> None:
    path, line = copy_with(tmp_path, "    hotline: jdpay\n", "    hotline: jd_pay\n")
    errors = [d for d in problems(path) if d.severity == "error"]
    assert [(d.source.line, d.message) for d in errors] == [
        (line, "node 'to_jdpay' transfers to hotline 'jd_pay', which is not a hotline (did you mean 'jdpay'?)")
    ]


def test_a_bad_time_range_in_a_list_is_reported_at_its_own_line(tmp_path: Path) -> None:
    path, line = copy_with(
        tmp_path,
        '        mon-fri: ["09:00-11:30", "13:00-18:00"]\n',
        '        mon-fri:\n          - "09:00-11:30"\n          - "13:00-18:60"\n',
    )
    [diagnostic] = problems(path)
    assert diagnostic.source.line == line + 2
    assert "hours '13:00-18:60' is not a real time of day" in diagnostic.message
