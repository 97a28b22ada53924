"""The phone page's sound for ``<Say>``: rendered here with the audio build's own TTS, cached by text, voice, rate.

On a real call Twilio speaks ``<Say>`` with its own voices; the page cannot, so it plays what the line
would play if the prompt had been pre-rendered: ``ivr.audio.render.render_prompt`` (pyttsx3 and
espeak-ng, then the telephone conversion), with the voice and rate the menu gives the language the
``<Say>`` is in. A ``<Say>`` in a language the menu does not declare (an app behind a URL, Twilio's own
"application error" message) gets the simulator's default espeak-ng voice for that language.

Renders are lazy (the page asks for each prompt's URL when it is about to play it, so the first
prompt sounds while later ones render) and cached in memory by their content address
(``ivr.audio.cache.prompt_key``: text, voice, rate and output format), bounded in bytes. A prompt
the audio build already rendered is read from the audio directory instead of rendered again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ivr.audio.cache import KEY_CHARS, file_name, prompt_key
from ivr.menu.model import Tree

DEFAULT_RATE = 160  # words per minute, for a language the menu does not declare
MAX_CACHE_BYTES = 64 * 1024 * 1024  # some 70 minutes of 8 kHz speech
MAX_PENDING = 4096  # prompts announced to pages but not yet fetched

Spec = tuple[str, str, int]  # text, espeak-ng voice, rate
Render = Callable[[str, str, int], bytes]  # text, espeak-ng voice, rate -> WAV bytes


@dataclass(frozen=True)
class Voice:
    voice: str
    rate: int


def voice_for(tree: Tree | None, language: str, say_voice: str) -> Voice:
    """The TTS voice and rate for a ``<Say language voice>``: the menu's language that says it so."""
    if tree is not None:
        for lang in tree.languages.values():
            if lang.say_language.lower() == language.lower() and lang.say_voice == say_voice:
                return Voice(lang.tts_voice, lang.tts_rate)
        for lang in tree.languages.values():
            if lang.say_language.lower() == language.lower() or lang.code.lower() == language.lower():
                return Voice(lang.tts_voice, lang.tts_rate)
    from ivr.simulator.audio import espeak_voice_for  # here: it imports numpy, soundfile and soxr, which a
    # worker answering webhooks never needs (0.3-0.4 s of every worker's boot)

    return Voice(espeak_voice_for(language), DEFAULT_RATE)


def _default_render(text: str, voice: str, rate: int) -> bytes:
    from ivr.audio.render import render_prompt  # pyttsx3 loads only when a page first needs a voice

    return render_prompt(text, voice, rate).wav


class SayAudio:
    """Announced prompts (key -> text, voice, rate) and their rendered WAV bytes, bounded."""

    def __init__(self, audio_dir: Path, render: Render | None = None, max_bytes: int = MAX_CACHE_BYTES) -> None:
        self.audio_dir = audio_dir
        self.render = render or _default_render
        self.max_bytes = max_bytes
        self._pending: OrderedDict[str, Spec] = OrderedDict()
        self._done: OrderedDict[str, tuple[bytes, Spec]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def announce(self, text: str, voice: Voice) -> str:
        """The key under which the page may fetch this prompt (``wav(key)``)."""
        key = prompt_key(text, voice.voice, voice.rate)[:KEY_CHARS]
        with self._lock:
            if key not in self._done:
                self._pending[key] = (text, voice.voice, voice.rate)
                self._pending.move_to_end(key)
                while len(self._pending) > MAX_PENDING:
                    self._pending.popitem(last=False)
        return key

    def wav(self, key: str) -> bytes | None:
        """The prompt's WAV bytes (rendered now if need be), or None for a key never announced."""
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key][0]
            wanted = self._pending.get(key)
        if wanted is None:
            return None
        text, voice, rate = wanted
        built = self.audio_dir / file_name(text, voice, rate)
        body = built.read_bytes() if built.is_file() else self.render(text, voice, rate)
        with self._lock:
            if key not in self._done:
                self._done[key] = (body, wanted)
                self._bytes += len(body)
            self._pending.pop(key, None)
            while self._bytes > self.max_bytes and len(self._done) > 1:
                old, (dropped, spec) = self._done.popitem(last=False)
                self._bytes -= len(dropped)
                self._pending[old] = spec  # still fetchable: rendered again if a page asks
        return body
