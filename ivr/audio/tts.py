"""A warm offline synthesizer: pyttsx3 driving espeak-ng, one engine per process, its quirks handled here.

Usable on its own (the simulator's ``--record`` uses it)::

    from ivr.audio.tts import SAMPLE_RATE, Synthesizer
    samples = Synthesizer().render("Welcome.", voice="gmw/en-us", rate=160)  # int16, mono, SAMPLE_RATE Hz

Why a wrapper rather than pyttsx3 directly: pyttsx3 2.99's espeak driver has quirks that each turn
into silently missing or wrong audio (all reproduced on these machines; see nateshmbhat/pyttsx3#219,
#170 and #283 for the upstream reports):

- **The first ``runAndWait()`` returns early.** The driver proxy starts out "busy", so the first
  ``runAndWait()`` queues its own end-of-loop marker behind the ``save_to_file`` and pumps both at
  once: the loop is already ended when espeak-ng starts synthesising (asynchronously), and the call
  returns before the file exists (for anything longer than a few words). One *empty* ``runAndWait()``
  right after ``init()`` leaves the proxy idle, after which every ``runAndWait()`` blocks until the
  file is written. A second empty ``runAndWait()`` then never returns (nothing will end the loop), so
  the warm-up happens exactly once, only while the proxy still has its initial busy flag.
- **One file per ``runAndWait()``.** Queued ``save_to_file`` calls overwrite each other; only the last is
  written. We render one text per ``runAndWait()``.
- **Unknown voices fail silently.** ``setProperty('voice', ...)`` errors are swallowed by the proxy and
  the previous voice stays, so a typo in the config would give Mandarin prompts an English voice. We
  read the voice back and raise :class:`VoiceError` naming it. (Also: espeak-ng's ``sit/cmn`` reads
  Chinese characters' pinyin as English letters and digits, espeak-ng#1236; ``sit/cmn-latn-pinyin``
  speaks them with tones. That is a config choice, documented in docs/audio.md.)
- **A render can be cancelled by the one before it.** Every ``runAndWait()`` first "stops" the
  driver, which calls espeak-ng's ``Cancel`` if ``IsPlaying()``; and espeak-ng still reports playing
  for a moment after a synthesis has ended, or while a queued ``SetParameter`` (the rate) is pending.
  About 1 render in 50 came back empty that way. We wait until espeak-ng is idle before each run.
- **The rate cannot be read back reliably** (see ``_select``); it is range-checked, and set only when
  it changes.
- **It prints "Audio saved to …" on stdout**, from espeak-ng's callback, possibly on espeak-ng's own
  thread. ``contextlib.redirect_stdout`` would swap ``sys.stdout`` for every thread of a web process,
  so instead the driver module's ``print`` is pointed at our debug log.

pyttsx3 is not thread-safe and espeak-ng can be initialised once per process, so the engine is a
process-wide singleton behind a lock; :class:`Synthesizer` objects are cheap handles to it. For
parallelism use processes (``ivr.audio.build`` does), started with *spawn*: a forked child would
inherit an initialised engine without espeak-ng's threads.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import shutil
import tempfile
import threading
import time
from typing import Any

import numpy as np
import soundfile

SAMPLE_RATE = 22_050  # what espeak-ng (via pyttsx3's espeak driver) always produces: mono, 16-bit
MIN_RATE, MAX_RATE = 80, 450  # espeak-ng's speaking-rate range, words per minute
IDLE_TIMEOUT_SECONDS = 2.0

log = logging.getLogger(__name__)


class SynthesisError(RuntimeError):
    """The engine produced no usable audio for a text."""


class VoiceError(SynthesisError):
    """The engine did not accept a voice or rate: a config problem, not a transient one."""


class _Engine:
    """The process's one pyttsx3 engine, warmed up, with the pid it was created in."""

    def __init__(self) -> None:
        import pyttsx3
        from pyttsx3.drivers import espeak as espeak_driver

        espeak_driver.print = _driver_print  # type: ignore[attr-defined]  # see module docstring
        self.pid = os.getpid()
        self.errors: list[BaseException] = []
        self.engine: Any = pyttsx3.init()
        self.engine.connect("error", self._on_error)
        if self.engine.isBusy():  # a fresh proxy: the one empty run that makes later runs block
            self.engine.runAndWait()
        self.workdir = tempfile.mkdtemp(prefix="ivr-tts-")
        atexit.register(shutil.rmtree, self.workdir, True)
        self.counter = itertools.count()
        self.rate: int | None = None  # the rate last set: espeak-ng's own cannot be read back reliably

    @staticmethod
    def wait_until_idle(timeout: float = IDLE_TIMEOUT_SECONDS) -> bool:
        """Wait for espeak-ng to finish whatever it is doing, so the next run does not cancel it."""
        from pyttsx3.drivers import _espeak

        deadline = time.monotonic() + timeout
        while _espeak.IsPlaying():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.001)
        return True

    def _on_error(self, name: object = None, exception: BaseException | None = None, **_: object) -> None:
        if exception is not None:
            self.errors.append(exception)


_LOCK = threading.Lock()
_ENGINE: _Engine | None = None


def _driver_print(*args: object, **_: object) -> None:
    log.debug("pyttsx3: %s", " ".join(str(a) for a in args))


def _engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine()
    elif _ENGINE.pid != os.getpid():
        raise SynthesisError(
            "the TTS engine was started in a parent process and cannot be used after fork(); "
            "start worker processes with the 'spawn' method"
        )
    return _ENGINE


def _voice_matches(current: str | None, wanted: str) -> bool:
    """espeak-ng reports the voice's file identifier ("gmw/en-us"); a config may name it without the family."""
    if not current:
        return False
    current, wanted = current.lower(), wanted.lower()
    return current == wanted or current.endswith("/" + wanted)


class Synthesizer:
    """Renders text to 22,050 Hz mono int16 samples with an espeak-ng voice, reusing the warm engine.

    Creating one is free; the engine starts (about 20 ms) on the first :meth:`render` in a process.
    Thread-safe: renders are serialised, since pyttsx3 cannot run two at once.
    """

    sample_rate = SAMPLE_RATE

    def render(self, text: str, voice: str, rate: int) -> np.ndarray:
        """Speak ``text`` with ``voice`` at ``rate`` words per minute; return int16 samples at SAMPLE_RATE Hz.

        Raises :class:`VoiceError` if the voice is unknown or the rate out of range, :class:`SynthesisError` if the
        engine writes no audio twice in a row (the message names the text).
        """
        if not text or not text.strip():
            raise ValueError("nothing to say: the text is empty")
        with _LOCK:
            state = _engine()
            self._select(state, voice, rate)
            for attempt in (1, 2):
                samples = self._render_once(state, text)
                if samples is not None:
                    return samples
                log.warning("pyttsx3 wrote no audio for %r (attempt %d of 2)", text, attempt)
        raise SynthesisError(f"the TTS engine wrote no audio for {text!r} (voice {voice}, rate {rate}), twice")

    @staticmethod
    def _select(state: _Engine, voice: str, rate: int) -> None:
        engine = state.engine
        if not MIN_RATE <= rate <= MAX_RATE:
            raise VoiceError(f"speaking rate {rate} is outside espeak-ng's {MIN_RATE}-{MAX_RATE} words per minute")
        if not _voice_matches(engine.getProperty("voice"), voice):
            state.errors.clear()
            engine.setProperty("voice", voice)
            state.rate = None  # set the rate again after a voice change, whatever espeak-ng keeps
            current = engine.getProperty("voice")
            if not _voice_matches(current, voice):
                why = f" ({state.errors[-1]})" if state.errors else ""
                raise VoiceError(
                    f"espeak-ng has no voice {voice!r}{why}; the engine is still using {current!r}. "
                    "List voices with `espeak-ng --voices` (e.g. gmw/en-us, sit/cmn-latn-pinyin)"
                )
        # Not read back: pyttsx3's binding of espeak_GetParameter omits its ``current`` argument, and
        # espeak-ng queues SetParameter behind any synthesis in progress, so a read-back right after a
        # set can show the old rate (it did, in 1 of 240 renders). The queued set precedes our Synth, so
        # it applies to it; the range check above is what espeak-ng would otherwise clamp silently.
        if state.rate != rate:
            engine.setProperty("rate", rate)
            state.rate = rate

    @staticmethod
    def _render_once(state: _Engine, text: str) -> np.ndarray | None:
        path = os.path.join(state.workdir, f"{next(state.counter)}.wav")
        try:
            state.engine.save_to_file(text, path)
            state.wait_until_idle()
            state.engine.runAndWait()
            if not os.path.exists(path) or os.path.getsize(path) <= 44:  # 44 bytes: a WAV header, no audio
                return None
            samples, rate = soundfile.read(path, dtype="int16", always_2d=True)
        except (OSError, RuntimeError) as exc:  # soundfile.LibsndfileError is a RuntimeError
            log.warning("could not read the TTS output for %r: %s", text, exc)
            return None
        finally:
            if os.path.exists(path):
                os.remove(path)
        if rate != SAMPLE_RATE or samples.shape[1] != 1:
            got = f"{rate} Hz, {samples.shape[1]} channels"
            raise SynthesisError(f"the TTS engine wrote {got}; expected {SAMPLE_RATE} Hz mono")
        if samples.shape[0] == 0:
            return None
        return samples[:, 0].copy()
