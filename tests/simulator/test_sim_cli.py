"""``ivr simulate``: scripted and interactive calls, transcripts, recordings, --at, colours."""

from __future__ import annotations

import io
import json
import pathlib
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import soundfile
from sim_app import TOKEN, create_app

from ivr.cli import build_parser
from ivr.commands import simulate as sim_cli
from ivr.simulator.caller import DialOutcome, HangUp, Press, Silence, Speak
from ivr.simulator.script import ScriptError, parse_script


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def simulate(argv: list[str], stdin: str = "") -> tuple[int, str]:
    """Run ``ivr simulate ARGV`` through the real ``ivr`` parser; return (exit status, stdout)."""
    args = build_parser().parse_args(["simulate", *argv])
    out = io.StringIO()
    status = sim_cli.run(args, stdin=io.StringIO(stdin), stdout=out)
    return status, out.getvalue()


# -- the script language ------------------------------------------------------------------------


def test_script_language():
    assert parse_script('1 2 wait say 退款 dial:busy 12# say "I want a refund" 0.75 dial:answered:90 hangup') == [
        Press("1"),
        Press("2"),
        Silence(),
        Speak("退款", 0.9),
        DialOutcome("busy"),
        Press("1"),
        Press("2"),
        Press("#"),
        Speak("I want a refund", 0.75),
        DialOutcome("completed", 90),
        HangUp(),
    ]


@pytest.mark.parametrize("bad", ["press 1", "dial:maybe", "say", "dial:busy:soon", 'say "unclosed'])
def test_script_errors_say_what_is_wrong(bad):
    with pytest.raises(ScriptError):
        parse_script(bad)


# -- scripted calls -----------------------------------------------------------------------------


def test_a_scripted_clean_call_exits_0(live_app):
    _app, base = live_app
    status, out = simulate([f"{base}/voice/incoming", "--auth-token", TOKEN, "--script", "1 dial:busy"])
    assert status == 0
    assert "DIAL  +8657195188" in out and "DialCallStatus=busy" in out
    assert "\033[" not in out  # not a terminal: no colour codes


def test_a_call_with_invalid_twiml_exits_non_zero(live_app):
    _app, base = live_app
    status, out = simulate([f"{base}/voice/typo", "--auth-token", TOKEN, "--script", "1 wait"])
    assert status == 1
    assert "WARNING 12200" in out and "numdigits" in out


def test_english_said_to_a_mandarin_gather_is_a_warning(live_app):
    _app, base = live_app
    status, out = simulate([f"{base}/voice/speech", "--auth-token", TOKEN, "--script", 'say "I want a refund"'])
    assert status == 1
    assert "simulator:speech-language" in out and "does not return Latin-script words" in out


def test_a_voice_twilio_does_not_have_is_13511_and_exits_non_zero(live_app):
    _app, base = live_app
    status, out = simulate([f"{base}/voice/bad-voice", "--auth-token", TOKEN, "--script", ""])
    assert status == 1
    assert "WARNING 13511" in out and "Polly.Zhiyou" in out


def test_a_malformed_document_exits_non_zero(live_app):
    _app, base = live_app
    status, out = simulate([f"{base}/voice/broken", "--auth-token", TOKEN, "--script", ""])
    assert status == 1
    assert "ERROR 12100" in out and "application error" in out


def test_a_script_that_does_not_fit_the_call_exits_non_zero(live_app):
    _app, base = live_app
    status, _out = simulate([f"{base}/voice/incoming", "--auth-token", TOKEN, "--script", "0 1 1"])
    assert status == 1  # the call hangs up after 0; two steps are left over


def test_a_wrong_token_exits_non_zero(live_app):
    _app, base = live_app
    status, out = simulate([f"{base}/voice/incoming", "--auth-token", "wrong", "--script", "1"])
    assert status == 1 and "403" in out


def test_transcript_is_written_as_json(live_app, tmp_path):
    _app, base = live_app
    path = tmp_path / "call.json"
    status, _out = simulate(
        [f"{base}/voice/incoming", "--auth-token", TOKEN, "--script", "2 dial:answered", "--transcript", str(path)]
    )
    assert status == 0
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["ended"]["reason"] == "end of document" and data["ended"]["clean"] is True
    assert data["problems"] == []
    kinds = [e["kind"] for e in data["events"]]
    assert kinds.count("request") == 2 and "dial" in kinds
    assert any(e.get("text", "").startswith("欢迎致电") for e in data["events"])


def test_record_writes_a_wav_of_what_the_caller_heard(live_app, tmp_path):
    pytest.importorskip("ivr.audio.tts", reason="--record reuses the team's synthesizer in ivr.audio.tts")
    _app, base = live_app
    path = tmp_path / "call.wav"
    status, out = simulate([f"{base}/voice/prompts", "--auth-token", TOKEN, "--script", "", "--record", str(path)])
    assert status == 0, out
    info = soundfile.info(str(path))
    assert info.samplerate in (8000, 22050) and info.channels == 1
    samples, _rate = soundfile.read(str(path))
    rms = float(np.sqrt(np.mean(samples**2)))
    assert rms > 0.02  # speech and two tones, not silence
    # "Hello" x2, a 1 s tone x2, pauses of 2 s and 1 s, "你好": several seconds, not minutes
    assert 6.0 < info.duration < 30.0


def test_speak_without_a_sound_device_says_so_and_carries_on(live_app, monkeypatch, capsys):
    pytest.importorskip("ivr.audio.tts", reason="--speak reuses the team's synthesizer in ivr.audio.tts")
    monkeypatch.setattr(sim_cli, "_sound_player", lambda: None)
    _app, base = live_app
    status, _out = simulate([f"{base}/voice/incoming", "--auth-token", TOKEN, "--script", "0", "--speak"])
    assert status == 0
    assert "no sound device" in capsys.readouterr().err


# -- interactive --------------------------------------------------------------------------------


def test_interactive_call_reads_the_callers_moves_from_stdin(live_app):
    _app, base = live_app
    status, out = simulate([f"{base}/voice/incoming", "--auth-token", TOKEN], stdin="help\n1\n2\n")
    assert status == 0
    assert "欢迎致电示例钱包" in out
    assert "gather (keys or speech, 1 digit(s))> " in out
    assert "1 answered, 2 busy" in out  # help text, then the dial prompt
    assert "DialCallStatus=busy" in out


def test_interactive_silence_speech_and_end_of_input(live_app):
    _app, base = live_app
    status, out = simulate([f"{base}/voice/speech", "--auth-token", TOKEN, "--lang", "en-US"], stdin="say 退款 0.8\n")
    assert status == 0
    assert "recognises cmn-Hans-CN" in out  # --lang en-US speaking into a cmn-Hans-CN recogniser is flagged
    assert "SpeechResult=退款 Confidence=0.8" in out


def test_interactive_say_takes_the_rest_of_the_line_as_the_phrase(live_app):
    _app, base = live_app
    status, out = simulate([f"{base}/voice/speech", "--auth-token", TOKEN], stdin="say 我要 退款 0.6\n")
    assert status == 0  # Mandarin to the cmn-Hans-CN <Gather>: no warning
    assert "SpeechResult=我要 退款 Confidence=0.6" in out
    status, out = simulate([f"{base}/voice/speech", "--auth-token", TOKEN], stdin='say "我要 退款"\n')
    assert "SpeechResult=我要 退款 Confidence=0.9" in out
    status, out = simulate([f"{base}/voice/speech", "--auth-token", TOKEN], stdin="say\n\n")
    assert "'say' needs the words" in out


def test_scripts_keep_their_syntax_for_say(live_app, capsys):
    _app, base = live_app
    status, _out = simulate([f"{base}/voice/speech", "--auth-token", TOKEN, "--script", "say I want"])
    assert status == 2
    assert "unknown step 'want'" in capsys.readouterr().err


def test_interactive_bad_input_is_explained_and_the_call_goes_on(live_app):
    _app, base = live_app
    status, out = simulate([f"{base}/voice/incoming", "--auth-token", TOKEN], stdin="press one\n0\n")
    assert status == 0
    assert "unknown step 'press'" in out
    assert "再见" in out


# -- --at and the project's own app -----------------------------------------------------------


def test_at_with_a_url_is_refused(capsys):
    status, _out = simulate(["http://127.0.0.1:5000/voice", "--at", "2026-11-24T22:30+08:00", "--script", ""])
    assert status == 2
    assert "--at only works without a URL" in capsys.readouterr().err


def test_without_a_url_the_projects_app_is_called_with_a_clock_at_the_given_time(monkeypatch):
    import ivr.web

    seen: dict[str, object] = {}

    def fake_create_app(settings=None, *, clock=None):
        seen["settings"], seen["clock"] = settings, clock
        return create_app(auth_token=None)

    monkeypatch.setattr(ivr.web, "create_app", fake_create_app)
    status, out = simulate(["--at", "2026-11-24T22:30+08:00", "--menu", "menus/other.yaml", "--script", "0"])
    assert status == 0 and "再见" in out
    assert seen["settings"] == {"MENU_FILE": "menus/other.yaml"}
    moment = seen["clock"]()
    expected = datetime(2026, 11, 24, 22, 30, tzinfo=moment.tzinfo)
    assert abs(moment - expected) < timedelta(minutes=1)
    assert moment.utcoffset() == timedelta(hours=8)


def test_the_fixed_offset_clock_keeps_running():
    ticks = iter([datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, 0, 0, 5, tzinfo=UTC)])
    at = datetime.fromisoformat("2026-11-24T22:30+08:00")
    clock = sim_cli.fixed_offset_clock(at, now=lambda: next(ticks))
    assert clock() == at + timedelta(seconds=5)


# -- colour -------------------------------------------------------------------------------------


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert sim_cli._wants_color(FakeTerminal()) is True
    assert sim_cli._wants_color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert sim_cli._wants_color(FakeTerminal()) is False


def test_a_terminal_gets_coloured_prompts(live_app, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    _app, base = live_app
    args = build_parser().parse_args(["simulate", f"{base}/voice/incoming", "--auth-token", TOKEN, "--script", "0"])
    out = FakeTerminal()
    assert sim_cli.run(args, stdin=io.StringIO(), stdout=out) == 0
    assert "\033[1;32m" in out.getvalue()  # <Say> lines in bold green


def test_text_mode_shows_the_words_of_prompts_that_would_be_played(tmp_path, capsys, monkeypatch):
    """With pre-rendered audio the caller hears files; --text makes the in-process app say the words."""
    from ivr.audio.build import build
    from ivr.call.prompts import options_prompt
    from ivr.call.utterances import Utterance
    from ivr.cli import main
    from ivr.menu.loader import load_tree

    menu = pathlib.Path(__file__).parents[2] / "menus" / "examples" / "minimal.yaml"
    tree = load_tree(menu)
    text = options_prompt(tree, tree.nodes["main"], "zh-CN")
    build([Utterance(text, "zh-CN")], tree.languages, tmp_path / "audio", jobs=1, progress=False)
    monkeypatch.setenv("AUDIO_DIR", str(tmp_path / "audio"))

    assert main(["simulate", "--menu", str(menu), "--script", "1 hangup"]) == 0
    played = capsys.readouterr().out
    assert main(["simulate", "--menu", str(menu), "--text", "--script", "1 hangup"]) == 0
    said = capsys.readouterr().out
    assert "PLAY" in played and "请选择您要咨询的问题" not in played
    assert "请选择您要咨询的问题" in said
    assert main(["simulate", "http://127.0.0.1:9/voice/incoming", "--text"]) == 2
