"""Pre-rendered spoken prompts: offline TTS, telephone audio, a content-addressed cache, the runtime lookup.

Real IVRs play recorded prompts: the voice is the same on every call and nothing is synthesised
while a caller waits. ``ivr audio build`` renders every text a caller can hear once, ahead of time,
into ``audio/``; the service then answers with ``<Play>`` when a current file exists and falls back
to ``<Say>`` when it does not.

The modules, from the bottom up (only ``tts`` and ``build`` import pyttsx3; the request path,
``library`` and ``ivr.web.audio_files``, imports nothing heavier than ``json``):

- ``tts``: a warm pyttsx3/espeak-ng synthesizer, one engine per process (also used by the simulator);
- ``telephony``: 22,050 Hz synthesizer output to 8 kHz telephone WAV;
- ``phonetic`` (with ``mandarin``): what the synthesizer is given for a text: pinyin for Mandarin,
  the menu's lexicon, keys by name, phone numbers digit by digit;
- ``cache``: the content address of a prompt (text, voice, rate, output format) and its file name;
- ``manifest``: ``audio/manifest.json``, the index from prompt to file, read and written atomically;
- ``integrity``: is a file still what the build wrote (size, sha256, a regular file, no symlink)?
- ``render``: one prompt, text to telephone WAV (the build's and the browser phone's one way to render);
- ``build``: the incremental, parallel build; ``library``: the per-request lookup.
The ``ivr audio`` command that drives them is ``ivr.commands.audio``.
"""

from __future__ import annotations

from ivr.call.utterances import Utterance  # one type for "a text a caller can hear", shared with the flow

__all__ = ["Utterance"]
