"""A reload of unchanged bytes costs only their hash, and never hides a change (issue 17, config scale)."""

from __future__ import annotations

from pathlib import Path

from ivr.call import checks
from ivr.call.checks import check_menu, check_menu_bytes
from ivr.menu import bounded_read

WALLET = Path(__file__).resolve().parents[2] / "menus" / "wallet.yaml"


def test_unchanged_bytes_give_the_kept_result_and_the_same_problems():
    data = WALLET.read_bytes()
    tree, diagnostics = check_menu_bytes(data, str(WALLET))
    again, again_diagnostics = check_menu_bytes(data, str(WALLET))
    assert again is tree and again_diagnostics == diagnostics
    assert check_menu(WALLET) == (tree, diagnostics)  # what the uncached path finds


def test_changed_bytes_another_name_or_other_limits_are_checked_again(monkeypatch):
    data = WALLET.read_bytes()
    tree, _ = check_menu_bytes(data, str(WALLET))
    edited, _ = check_menu_bytes(data.replace(b"default_language: zh-CN", b"default_language: en-US", 1), "m.yaml")
    assert edited is not None and edited.default_language == "en-US"
    renamed, renamed_diagnostics = check_menu_bytes(data, "elsewhere.yaml")
    assert renamed is not tree and all(d.source.file == "elsewhere.yaml" for d in renamed_diagnostics)
    monkeypatch.setattr(bounded_read, "MAX_VALUES", 100)
    refused, problems = check_menu_bytes(data, str(WALLET))
    assert refused is None and "more than 100 values" in problems[0].message


def test_a_failed_check_is_not_kept(monkeypatch):
    data = WALLET.read_bytes().replace(b"default_language: zh-CN", b"default_language: en-US", 1)

    def explode(tree):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(checks, "spoken_problems", explode)
    assert check_menu_bytes(data, "failing.yaml")[0] is None
    monkeypatch.undo()
    assert check_menu_bytes(data, "failing.yaml")[0] is not None
