"""`ivr audio build` end to end on the example menu: build, check, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from audio_support import keep_first_utterances

from ivr.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "menus" / "examples" / "minimal.yaml")


@pytest.fixture(autouse=True)
def few_prompts(monkeypatch):
    """The menu's first six texts (both languages) rather than all 116: the suite stays fast."""
    keep_first_utterances(monkeypatch, 6)


def test_check_fails_before_a_build_then_build_then_check_passes(tmp_path, capsys):
    audio = str(tmp_path / "audio")
    assert main(["audio", "build", "--menu", EXAMPLE, "--audio-dir", audio, "--check"]) == 1
    err = capsys.readouterr().err
    assert "minimal.yaml:" in err and "no audio yet" in err and "run `ivr audio build`" in err
    assert not (tmp_path / "audio").exists()

    assert main(["audio", "build", "--menu", EXAMPLE, "--audio-dir", audio, "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert "rendered" in out and "Audio saved" not in out
    # Nothing on stderr but the listening-limit warnings (the example's welcome is long; test_audio_limits).
    assert [line for line in err.splitlines() if ": warning: " not in line and "listening times" not in line] == []

    assert main(["audio", "build", "--menu", EXAMPLE, "--audio-dir", audio, "--check", "--no-progress"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_a_menu_with_errors_exits_2_and_renders_nothing(tmp_path, capsys):
    menu = tmp_path / "broken.yaml"
    menu.write_text("languages: {}\n")
    assert main(["audio", "build", "--menu", str(menu), "--audio-dir", str(tmp_path / "audio")]) == 2
    assert "broken.yaml" in capsys.readouterr().err
    assert not (tmp_path / "audio").exists()
