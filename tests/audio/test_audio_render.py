"""Real pyttsx3/espeak-ng renders (no mocks), few and short: the files a caller would hear."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest
import soundfile

from ivr.audio import Utterance
from ivr.audio.build import BuildReport, build
from ivr.audio.manifest import read_manifest
from ivr.audio.tts import SAMPLE_RATE, Synthesizer, VoiceError
from ivr.menu.model import Language, Source

SHORT_EN = "Welcome to the wallet support line."
LONG_EN = "Ask for the refund on the order page and give a reason. Once approved, the money goes back to your account."
SHORT_ZH = "请选择您要咨询的问题。"
LONG_ZH = "在订单页面申请退款，写清理由。审核通过后，钱会退回原账户。请耐心等待，一般需要三到五个工作日。"
ROOT = Path(__file__).resolve().parents[2]
RMS_FLOOR = 10 ** (-35 / 20)  # speech after the telephone gain sits well above -35 dBFS


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, languages: Mapping[str, Language]) -> tuple[Path, BuildReport]:
    audio_dir = tmp_path_factory.mktemp("audio")
    utterances = [
        Utterance(SHORT_EN, "en-US", Source("menus/wallet.yaml", 1)),
        Utterance(LONG_EN, "en-US", Source("menus/wallet.yaml", 2)),
        Utterance(SHORT_ZH, "zh-CN", Source("menus/wallet.yaml", 3)),
        Utterance(LONG_ZH, "zh-CN", Source("menus/wallet.yaml", 4)),
    ]
    return audio_dir, build(utterances, languages, audio_dir, progress=False)


def audio_of(audio_dir: Path, text: str) -> tuple[np.ndarray, soundfile._SoundFileInfo]:
    manifest = read_manifest(audio_dir)
    assert manifest is not None
    (entry,) = [e for e in manifest.entries if e.text == text]
    path = audio_dir / entry.file
    samples, _ = soundfile.read(path, dtype="int16")
    return samples, soundfile.info(str(path))


@pytest.mark.parametrize("text", [SHORT_EN, LONG_EN, SHORT_ZH, LONG_ZH])
def test_each_prompt_is_audible_8khz_mono_telephone_audio(rendered, text):
    audio_dir, report = rendered
    assert report.ok and report.rendered == 4, [str(f) for f in report.failures]
    samples, info = audio_of(audio_dir, text)
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "PCM_16")
    assert 0.5 <= info.duration <= 20.0
    x = samples.astype(np.float64) / 32768
    assert np.sqrt(np.mean(x**2)) > RMS_FLOOR, "silent"
    assert np.count_nonzero(np.abs(samples.astype(np.int32)) >= 32767) == 0, "clipped"


def test_longer_text_gives_longer_audio(rendered):
    audio_dir, _ = rendered
    for short, long in [(SHORT_EN, LONG_EN), (SHORT_ZH, LONG_ZH)]:
        assert audio_of(audio_dir, long)[1].duration > 2 * audio_of(audio_dir, short)[1].duration


def speech_seconds(samples: np.ndarray) -> float:
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 100)
    return (loud[-1] - loud[0]) / SAMPLE_RATE


def test_mandarin_voice_speaks_characters_rather_than_spelling_pinyin(languages):
    # espeak-ng's sit/cmn reads each character's pinyin as English letters and a tone digit
    # ("hao three"), about 1.5x as long as sit/cmn-latn-pinyin speaking it with tones. Both are
    # rendered here at the same rate, so the ratio does not depend on the machine or the rate.
    zh = languages["zh-CN"]
    synth = Synthesizer()
    configured = speech_seconds(synth.render(SHORT_ZH, zh.tts_voice, zh.tts_rate))
    spelled = speech_seconds(synth.render(SHORT_ZH, "sit/cmn", zh.tts_rate))
    assert configured < 0.8 * spelled
    per_character = configured / len(SHORT_ZH.rstrip("。"))
    assert 0.15 <= per_character <= 0.45  # Mandarin at ~150 wpm: 2-6 syllables a second


def test_unknown_voice_fails_loudly_naming_it():
    with pytest.raises(VoiceError, match="no/such-voice"):
        Synthesizer().render("Hello.", "no/such-voice", 160)
    with pytest.raises(VoiceError, match="rate 9000"):
        Synthesizer().render("Hello.", "gmw/en-us", 9000)


def test_first_long_render_in_a_fresh_process_is_complete(languages):
    # A fresh pyttsx3 engine's first runAndWait() returns before a long text is written; the
    # synthesizer's warm-up must prevent that, so this runs in a new process (about 150 ms).
    en = languages["en-US"]
    script = (
        "import sys; from ivr.audio.tts import Synthesizer, SAMPLE_RATE; "
        f"x = Synthesizer().render({LONG_EN * 3!r}, {en.tts_voice!r}, {en.tts_rate}); "
        "sys.stderr.write(str(len(x) / SAMPLE_RATE))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert float(done.stderr) > 15
    assert done.stdout == "", "the driver's 'Audio saved to' must not reach stdout"
