"""Listening limits measured on a real build (real pyttsx3/espeak-ng) of the example menu.

Only the texts of the welcome and the main menu are rendered (the limits of the other nodes show as
"not measured"), so the test renders a handful of prompts, not the menu's hundred.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import ivr.call.utterances
from ivr.call.checks import check_menu, load_menu
from ivr.call.durations import passages
from ivr.call.utterances import Utterance
from ivr.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "menus" / "examples" / "minimal.yaml"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _with_limits(tmp_path: Path, limits: str) -> tuple[Path, int]:
    """The example menu with ``limits`` under ``defaults``; returns it and the line of main's prompt."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    at = lines.index("defaults:") + 1
    lines[at:at] = [f"  {line}" for line in limits.splitlines()]
    menu = tmp_path / "menu.yaml"
    menu.write_text("\n".join(lines) + "\n", encoding="utf-8")
    main_at = lines.index("  main:")
    prompt_line = next(i for i in range(main_at, len(lines)) if lines[i].strip().startswith("prompt:")) + 1
    return menu, prompt_line


@pytest.fixture(autouse=True)
def welcome_and_main_only(monkeypatch):
    """Render only what the caller hears at the welcome and the main menu."""

    def few(tree):
        return [
            Utterance(text, lang, p.source)
            for p in passages(tree, NOW)
            if p.node in ("welcome", "main")
            for text, lang in p.said
        ]

    monkeypatch.setattr(ivr.call.utterances, "all_utterances", few)


def test_a_menu_over_its_limit_is_a_warning_with_its_line_and_strict_fails(tmp_path, capsys):
    menu, prompt_line = _with_limits(tmp_path, "limits:\n  menu: 3\n  first_key: 60")
    audio = str(tmp_path / "audio")

    assert main(["audio", "build", "--menu", str(menu), "--audio-dir", audio, "--no-progress"]) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "warning:" in line]
    assert any(line.startswith(f"{menu}:{prompt_line}: warning: the en-US menu of node 'main'") for line in warnings)
    main_warning = next(line for line in warnings if "en-US menu of node 'main'" in line)
    seconds = float(main_warning.split(" takes ")[1].split(" s")[0])
    assert 3 < seconds < 15  # "Please choose a topic. For refunds, press 1. …" as espeak-ng says it
    assert "over the limit of 3 s (defaults.limits.menu)" in main_warning
    assert not any("first key" in line for line in warnings)  # 60 s is plenty

    assert main(["audio", "build", "--menu", str(menu), "--audio-dir", audio, "--no-progress", "--strict"]) == 1
    assert "0 rendered" in capsys.readouterr().out  # strict measures the same build, it does not redo it


def test_within_the_limits_strict_passes_and_durations_prints_the_measured_table(tmp_path, capsys):
    menu, _ = _with_limits(tmp_path, "limits: {first_key: 60, menu: 60}")
    audio = str(tmp_path / "audio")
    assert main(["audio", "build", "--menu", str(menu), "--audio-dir", audio, "--no-progress", "--strict"]) == 0
    assert "warning" not in capsys.readouterr().err

    code = main(["audio", "durations", "--menu", str(menu), "--audio-dir", audio])
    out, err = capsys.readouterr()
    rows = {tuple(line.split()[2:5]): line.split() for line in out.splitlines()[1:]}
    zh_first = rows[("zh-CN", "first_key", "welcome")]
    en_first = rows[("en-US", "first_key", "welcome")]
    # The English caller hears the Mandarin choice first, so waits longer for their own key.
    assert 0 < float(zh_first[0]) < float(en_first[0]) and zh_first[1] == "60"
    assert float(rows[("en-US", "menu", "main")][0]) > 0
    assert rows[("zh-CN", "guidance", "refunds")][0] == "-"  # not rendered in this test
    assert code == 1 and "not measured" in err


def test_first_key_counts_the_welcome_in_every_language_up_to_the_callers_own_choice():
    tree = load_menu(EXAMPLE)
    first = {p.lang: p for p in passages(tree, NOW) if p.kind == "first_key"}
    assert [lang for _, lang in first["zh-CN"].said] == ["zh-CN", "en-US", "zh-CN"]
    assert first["zh-CN"].said[-1][0] == "普通话服务，请按1。"
    assert first["en-US"].said[-1][0] == "For English, press 2."


def test_a_limit_out_of_range_is_an_error_at_its_line(tmp_path):
    menu, _ = _with_limits(tmp_path, "limits:\n  menu: 0.5\n  gudance: 20")
    _, diagnostics = check_menu(menu)
    lines = menu.read_text(encoding="utf-8").splitlines()
    menu_line = lines.index("    menu: 0.5") + 1
    typo_line = lines.index("    gudance: 20") + 1
    errors = {(d.source.line, d.severity) for d in diagnostics}
    assert (menu_line, "error") in errors
    assert any(d.source.line == typo_line and "guidance" in d.message for d in diagnostics)
