"""One prompt rendered exactly as the audio build renders it: the TTS, then the telephone conversion.

``render_prompt(text, voice, rate)`` is the single place where "text → telephone WAV" happens;
``ivr.audio.build`` writes its result to the audio directory, and the console's browser phone plays it
for ``<Say>`` prompts that have no pre-rendered file, so both sound the same.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderedPrompt:
    wav: bytes  # a complete 8 kHz mono 16-bit PCM WAV file (ivr.audio.telephony)
    seconds: float


def render_prompt(text: str, voice: str, rate: int) -> RenderedPrompt:
    """``text`` spoken by the espeak-ng ``voice`` at ``rate`` words per minute, as telephone audio."""
    from ivr.audio.telephony import duration_seconds, encode_wav, to_telephone
    from ivr.audio.tts import SAMPLE_RATE, Synthesizer

    samples = to_telephone(Synthesizer().render(text, voice, rate), SAMPLE_RATE)
    return RenderedPrompt(encode_wav(samples), duration_seconds(samples))
