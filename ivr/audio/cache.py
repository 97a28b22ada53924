"""The content address of a prompt: what makes two renders interchangeable, and the file name it gets.

A prompt's audio depends on exactly four things: the phonetic text (what the synthesizer is given,
``ivr.audio.phonetic``: for Mandarin the pinyin, so a lexicon edit changes it), the espeak-ng voice,
the speaking rate, and how the synthesizer's output is turned into a telephone file (``OUTPUT_FORMAT``).
The key hashes all four, so editing one text or one lexicon word changes the file names of exactly the
prompts that say it, and a file with a given name never needs re-rendering: it can be served as
immutable and a rebuild can skip it by its name alone.

This module is pure (no numpy, no pyttsx3): the request path (``ivr.audio.library``) imports it.
"""

from __future__ import annotations

import hashlib
import json
import re

# How synthesizer output becomes a file (see ivr.audio.telephony). Bump FORMAT_VERSION whenever that
# processing changes (gain, trimming, resampler settings): every key changes, so everything is re-rendered
# and the runtime stops serving files made the old way.
OUTPUT_FORMAT = "wav/pcm_s16le/8000/mono"
FORMAT_VERSION = 1
FORMAT = f"{OUTPUT_FORMAT}/v{FORMAT_VERSION}"

KEY_CHARS = 20  # 80 bits of sha256: collisions are not a practical concern for a few thousand prompts
FILE_SUFFIX = ".wav"
FILE_PATTERN = re.compile(rf"^[0-9a-f]{{{KEY_CHARS}}}\{FILE_SUFFIX}$")


def prompt_key(text: str, voice: str, rate: int, fmt: str = FORMAT) -> str:
    """The full sha256 hex digest of everything the audio depends on."""
    payload = json.dumps([fmt, voice, int(rate), text], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def file_name(text: str, voice: str, rate: int, fmt: str = FORMAT) -> str:
    """The audio file's name inside the audio directory, e.g. ``3f2a9c0d1e7b6a5c4d3e.wav``."""
    return prompt_key(text, voice, rate, fmt)[:KEY_CHARS] + FILE_SUFFIX


def is_audio_file_name(name: str) -> bool:
    """True for names this package generates: the only files a build may prune or the web may serve."""
    return bool(FILE_PATTERN.fullmatch(name))
