"""The shipped line, menus/wallet.yaml, is phone-short by measurement, not by estimate.

A real build (pyttsx3 + espeak-ng, the menu's own voices and rates) of every prompt, measured against
the line's listening limits (``defaults.limits``: the first key choice within 8 s of the answer, a menu
within 15 s, guidance within 20 s, the follow-up after it within 8 s), in both languages. A rewrite
that makes any prompt too long to follow fails here with the prompt's file and line.
"""

from __future__ import annotations

from pathlib import Path

from ivr.cli import main

MENU = Path(__file__).resolve().parents[2] / "menus" / "wallet.yaml"


def test_every_passage_of_the_shipped_line_is_within_its_listening_limit(tmp_path, capsys):
    audio = str(tmp_path / "audio")
    code = main(["audio", "build", "--menu", str(MENU), "--audio-dir", audio, "--no-progress", "--strict"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "warning:" not in err

    assert main(["audio", "durations", "--menu", str(MENU), "--audio-dir", audio]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    measured = {(lang, kind) for _seconds, _limit, lang, kind, *_ in rows}
    for lang in ("zh-CN", "en-US"):  # every kind of passage was measured, in both languages
        assert {(lang, k) for k in ("first_key", "menu", "guidance", "follow_up")} <= measured
    assert all(float(seconds) <= float(limit) for seconds, limit, *_ in rows)
