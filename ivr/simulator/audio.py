"""Everything the caller heard, as one WAV file (``ivr simulate --record call.wav``).

The transcript already says what was heard and in what order; this module turns it into sound:
``<Say>`` text through a speech synthesizer, ``<Play>`` URLs fetched through the call's own
transport (so signed, in-process or over HTTP, exactly like the call), silence for pauses and
for the timeouts the caller waited through, a beep before ``<Record>``, the caller's own key
tones (DTMF, as a phone plays them back), and a ringback tone while a ``<Dial>`` rings.  The
result is resampled to one rate -- 8 kHz by default, what a phone line carries.

The synthesizer and the fetcher are passed in, so this module imports nothing from the rest of
the project (the CLI glue wires in ``ivr.audio.tts``).  ``espeak_voice_for`` maps Twilio
language codes to the espeak-ng voices the team uses: ``sit/cmn-latn-pinyin`` for Mandarin
(``zh-CN``, ``cmn-*``), ``gmw/en-us`` for English and anything else.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile
import soxr

from ivr.simulator.engine import speech_seconds
from ivr.simulator.transcript import Event, Transcript

#: (text, espeak-ng voice) -> (mono samples, sample rate)
Synthesize = Callable[[str, str], tuple[np.ndarray, int]]
#: absolute URL -> the body bytes, or None when it cannot be fetched
FetchAudio = Callable[[str], bytes | None]

OUTPUT_RATE = 8_000
MANDARIN_VOICE = "sit/cmn-latn-pinyin"
ENGLISH_VOICE = "gmw/en-us"
MAX_WAIT_SECONDS = 5.0  # long silences are shortened: the file is for listening, not timing
BEEP_HZ = 1000.0
_DTMF = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477),
    "*": (941, 1209), "0": (941, 1336), "#": (941, 1477),
}  # fmt: skip


def espeak_voice_for(language: str) -> str:
    """The espeak-ng voice for a Twilio ``language`` attribute."""
    lowered = language.lower()
    if lowered.startswith(("zh", "cmn")):
        return MANDARIN_VOICE
    return ENGLISH_VOICE


@dataclass
class CallAudio:
    """The rendered call: float samples in [-1, 1] at ``rate`` Hz, plus what could not be rendered."""

    samples: np.ndarray
    rate: int
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.rate

    def write_wav(self, path: str | Path) -> None:
        """Write a mono 16-bit PCM WAV file."""
        soundfile.write(str(path), self.samples, self.rate, subtype="PCM_16")


def _to_rate(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    x = np.asarray(samples)
    if x.ndim == 2:
        x = x.mean(axis=1)
    x = x.astype(np.float64) / 32768.0 if x.dtype == np.int16 else x.astype(np.float64)
    if rate != target and x.size:
        x = soxr.resample(x, rate, target)
    return x


def _tone(freqs: tuple[float, ...], seconds: float, rate: int, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return sum(np.sin(2 * np.pi * f * t) for f in freqs) * (level / len(freqs))


def _silence(seconds: float, rate: int) -> np.ndarray:
    return np.zeros(int(max(0.0, seconds) * rate))


class _Renderer:
    def __init__(self, synthesize: Synthesize, fetch: FetchAudio, rate: int) -> None:
        self.synthesize = synthesize
        self.fetch = fetch
        self.rate = rate
        self.notes: list[str] = []
        self.waiting_timeout = 0.0

    def say(self, event: Event) -> np.ndarray:
        text = event.data["text"]
        if not text.strip():
            return _silence(0, self.rate)
        voice = espeak_voice_for(event.data["language"])
        try:
            samples, rate = self.synthesize(text, voice)
        except Exception as exc:  # a synthesizer failure must not lose the rest of the call
            self.notes.append(f"could not synthesise {text!r}: {exc}")
            return _silence(speech_seconds(text), self.rate)
        return _to_rate(samples, rate, self.rate)

    def play(self, event: Event) -> np.ndarray:
        url = event.data["url"]
        body = self.fetch(url)
        if body is None:
            self.notes.append(f"could not fetch {url}; silence in its place")
            return _silence(1.0, self.rate)
        try:
            samples, rate = soundfile.read(io.BytesIO(body), always_2d=True)
        except Exception as exc:  # soundfile raises several types for undecodable audio
            self.notes.append(f"could not decode {url}: {exc}; silence in its place")
            return _silence(1.0, self.rate)
        return _to_rate(samples, rate, self.rate)

    def segment(self, event: Event) -> np.ndarray | None:
        data, kind = event.data, event.kind
        if kind in ("say", "play"):
            if data.get("skipped"):
                return None
            audio = self.say(event) if kind == "say" else self.play(event)
            loop = data.get("loop", 1)
            if loop == 0:
                self.notes.append(f"{kind} with loop=0 repeats until the call ends; rendered once")
            audio = np.tile(audio, max(loop, 1))
            return audio[: len(audio) // 2] if data.get("interrupted") else audio
        if kind == "pause":
            return _silence(data["length"], self.rate)
        if kind == "beep":
            return np.concatenate([_tone((BEEP_HZ,), 0.5, self.rate), _silence(0.2, self.rate)])
        if kind in ("gather", "record"):
            self.waiting_timeout = float(data["timeout"])
            return None
        if kind == "dial":
            ring = _tone((425.0,), 1.0, self.rate, level=0.2)
            return np.concatenate([ring, _silence(1.0, self.rate), ring])
        if kind == "input":
            what = data["input"]
            if what == "press":
                return np.concatenate([_tone(_DTMF[data["key"]], 0.15, self.rate, 0.2), _silence(0.1, self.rate)])
            if what == "silence":
                return _silence(min(self.waiting_timeout, MAX_WAIT_SECONDS), self.rate)
            if what == "speech":
                return _silence(min(speech_seconds(data["text"]), MAX_WAIT_SECONDS), self.rate)
        return None


def render_call_audio(
    events: Transcript | Iterable[Event], *, synthesize: Synthesize, fetch: FetchAudio, rate: int = OUTPUT_RATE
) -> CallAudio:
    """Render what the caller heard during ``events`` (a transcript or part of one) at ``rate`` Hz."""
    renderer = _Renderer(synthesize, fetch, rate)
    parts = [segment for event in events if (segment := renderer.segment(event)) is not None]
    samples = np.concatenate(parts) if parts else np.zeros(0)
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak > 0.99:
        samples = samples * (0.99 / peak)
    return CallAudio(samples.astype(np.float32), rate, renderer.notes)
