"""Synthesizer output (22,050 Hz) to telephone audio: 8 kHz mono 16-bit PCM WAV, with headroom and trimmed.

Why 16-bit linear PCM and not μ-law, although both are 8 kHz telephone formats that Twilio's ``<Play>``
and Chromium accept:

- The phone leg is not always μ-law. Twilio converts whatever it fetches to the codec of the call
  leg: μ-law on North American networks, but A-law is the G.711 variant of mainland China's (where
  this line's Mandarin callers are) and Europe's networks, and app and browser clients use Opus. A
  μ-law file would fix one lossy step in our file and add a second wherever the leg is not μ-law; a
  PCM file leaves the single lossy conversion to the point where the leg's codec is known. At best a
  μ-law file sounds the same as PCM, never better.
- The files stay exact for everything else that reads them: the simulator's recordings, tests that
  measure level and clipping, any later mixing or concatenation, and every player and tool (sox,
  soundfile, all browsers) reads PCM WAV.
- The cost is size: 16 kB per second instead of 8 kB. A whole menu's prompts are a few megabytes,
  fetched by Twilio once and then cached (the files are immutable; see ``ivr.web.audio_files``).

The processing: convert to float, lower the gain by ``HEADROOM_DB`` *before* resampling (espeak-ng can
peak at full scale, and a resampler's ringing overshoots a full-scale input, which would clip when
converted back to integers), resample with soxr (a proper band-limited resampler; naive decimation
would alias), scale down further only if a peak still exceeds ``PEAK_LIMIT``, then trim the synthesizer's
long leading/trailing silence (espeak-ng appends ~0.4 s) to short, consistent pads.

Changing any constant here changes the audio: bump ``ivr.audio.cache.FORMAT_VERSION`` with it.
"""

from __future__ import annotations

import io

import numpy as np
import soundfile
import soxr

TELEPHONE_RATE = 8_000
SUBTYPE = "PCM_16"
HEADROOM_DB = 3.0  # fixed gain: prompts keep the same relative loudness, and full scale has room to ring
PEAK_LIMIT = 10 ** (-1.0 / 20)  # -1 dBFS: the loudest a sample may be after resampling
SILENCE_THRESHOLD = 10 ** (-50.0 / 20)  # -50 dBFS: quieter than this counts as silence
MAX_LEAD_SECONDS = 0.05  # silence kept before the first sound
MAX_TAIL_SECONDS = 0.15  # and after the last: a short natural stop between consecutive prompts


def to_telephone(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mono samples at ``rate`` Hz (int16, or float in [-1, 1]) to int16 samples at 8 kHz, ready to encode."""
    x = np.asarray(samples)
    if x.ndim != 1:
        raise ValueError(f"expected mono samples, got shape {x.shape}")
    x = x.astype(np.float64) / 32768.0 if x.dtype == np.int16 else x.astype(np.float64)
    x *= 10 ** (-HEADROOM_DB / 20)
    y = soxr.resample(x, rate, TELEPHONE_RATE, quality="HQ") if rate != TELEPHONE_RATE else x
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak > PEAK_LIMIT:
        y = y * (PEAK_LIMIT / peak)
    y = trim_silence(y, TELEPHONE_RATE)
    return np.clip(np.round(y * 32767.0), -32768, 32767).astype(np.int16)


def trim_silence(
    x: np.ndarray,
    rate: int,
    max_lead: float = MAX_LEAD_SECONDS,
    max_tail: float = MAX_TAIL_SECONDS,
    threshold: float = SILENCE_THRESHOLD,
) -> np.ndarray:
    """Cut leading and trailing silence longer than ``max_lead``/``max_tail`` seconds (float samples)."""
    loud = np.flatnonzero(np.abs(x) > threshold)
    if loud.size == 0:
        return x[: round((max_lead + max_tail) * rate)]
    start = max(0, int(loud[0]) - round(max_lead * rate))
    end = min(x.size, int(loud[-1]) + 1 + round(max_tail * rate))
    return x[start:end]


def encode_wav(samples: np.ndarray) -> bytes:
    """int16 samples at 8 kHz as a complete WAV file (RIFF, PCM 16-bit, mono)."""
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, TELEPHONE_RATE, subtype=SUBTYPE, format="WAV")
    return buffer.getvalue()


def duration_seconds(samples: np.ndarray) -> float:
    return samples.shape[0] / TELEPHONE_RATE
