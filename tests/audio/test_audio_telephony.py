"""Telephone conversion without the TTS engine: rate, headroom, no clipping, trimmed silence."""

from __future__ import annotations

import io

import numpy as np
import soundfile

from ivr.audio.telephony import (
    MAX_LEAD_SECONDS,
    MAX_TAIL_SECONDS,
    TELEPHONE_RATE,
    encode_wav,
    to_telephone,
    trim_silence,
)
from ivr.audio.tts import SAMPLE_RATE


def tone(seconds: float, amplitude: float, freq: float = 440.0, rate: int = SAMPLE_RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return amplitude * np.sin(2 * np.pi * freq * t)


def test_a_full_scale_square_wave_is_resampled_without_clipping():
    # A square wave at full scale is the worst case: a band-limited resampler overshoots its edges by ~18 %.
    square = np.sign(tone(1.0, 1.0, freq=300.0))
    samples = np.round(square * 32767).astype(np.int16)
    out = to_telephone(samples, SAMPLE_RATE)
    assert out.dtype == np.int16
    assert np.abs(out.astype(np.int32)).max() < 32767 * 0.95
    assert abs(len(out) / TELEPHONE_RATE - 1.0) < 0.01


def test_silence_is_trimmed_to_short_pads_and_speech_is_kept():
    rate = SAMPLE_RATE
    signal = np.concatenate([np.zeros(rate), tone(0.5, 0.5), np.zeros(2 * rate)])
    out = to_telephone(signal, rate)
    seconds = len(out) / TELEPHONE_RATE
    assert 0.5 <= seconds <= 0.5 + MAX_LEAD_SECONDS + MAX_TAIL_SECONDS + 0.01


def test_trim_keeps_short_silence_untouched():
    x = np.concatenate([np.zeros(10), np.ones(100) * 0.5, np.zeros(10)])
    assert len(trim_silence(x, 8000)) == 120


def test_encoded_file_is_8khz_mono_pcm16():
    data = encode_wav(np.zeros(800, dtype=np.int16))
    info = soundfile.info(io.BytesIO(data))
    assert (info.samplerate, info.channels, info.subtype, info.format) == (8000, 1, "PCM_16", "WAV")
