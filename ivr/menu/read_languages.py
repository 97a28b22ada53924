"""The ``languages`` section: each language's name, voices, speech recognition language and speaking rate.

It is read first: its codes become ``Reading.langs``, the languages every later text is checked in.
"""

from __future__ import annotations

from ivr.menu.fields import Field, section, string_of, whole
from ivr.menu.model import Language
from ivr.menu.reading import LANGUAGE_SHAPE, Reading
from ivr.menu.yaml_source import LocatedDict

SAY_FIELDS = {
    "voice": Field(
        "Twilio's <Say> voice, used when no audio file exists, e.g. Polly.Zhiyu", string_of(), required=True
    ),
    "language": Field("Twilio's <Say> language, e.g. cmn-CN", string_of(), True),
}
TTS_FIELDS = {
    "voice": Field(
        "the espeak-ng voice that renders audio files, e.g. sit/cmn-latn-pinyin", string_of(), required=True
    ),
    "rate": Field("speaking rate of the rendered audio, words per minute", whole(60, 400), default=160),
}
LANGUAGE_FIELDS = {
    "name": Field("the language's own name, e.g. 普通话", string_of(), True),
    "say": Field("how Twilio speaks this language", section(SAY_FIELDS), required=True),
    "speech": Field("Twilio's <Gather> language for speech recognition, e.g. cmn-Hans-CN", string_of(), True),
    "tts": Field("how the local text-to-speech renders this language", section(TTS_FIELDS), required=True),
}
LANGUAGES_SHAPE = {
    "type": "object",
    "propertyNames": LANGUAGE_SHAPE,
    "additionalProperties": section(LANGUAGE_FIELDS),
    "minProperties": 1,
}


def read_languages(reading: Reading, data: LocatedDict) -> dict[str, Language]:
    section = reading.section(data, "languages", "the file")
    if section is None:
        return {}
    reading.langs = tuple(str(k) for k in section)
    result: dict[str, Language] = {}
    for code, spec in section.items():
        line = section.line_of(code)
        if not isinstance(spec, LocatedDict):
            reading.error(line, f"language '{code}' must have name, say, speech and tts settings")
            continue
        what = f"language '{code}'"
        reading.fields(spec, LANGUAGE_FIELDS, what)
        say = reading.section(spec, "say", what)
        tts = reading.section(spec, "tts", what)
        for sub, allowed in ((say, SAY_FIELDS), (tts, TTS_FIELDS)):
            if sub is not None:
                reading.fields(sub, allowed, what)
        # (where it is written, the field, its name in messages); a missing or malformed say/tts section
        # has had its error already, and its settings are not reported missing one by one.
        settings = [(spec, "name", "name"), (spec, "speech", "speech")]
        settings += [(say, "voice", "say voice"), (say, "language", "say language")] if say is not None else []
        settings += [(tts, "voice", "tts voice")] if tts is not None else []
        values = {label: holder.get(key) for holder, key, label in settings}
        broken = say is None or tts is None
        for holder, key, label in settings:
            value = values[label]
            if not isinstance(value, str) or not value.strip():
                reading.missing(holder, key, line, f"{what} is missing its '{label}' setting")
                broken = True
        if broken:
            continue
        rate = reading.integer(tts, "rate", *TTS_FIELDS["rate"].bounds, default=TTS_FIELDS["rate"].default)
        result[str(code)] = Language(
            code=str(code),
            name=values["name"],
            say_voice=values["say voice"],
            say_language=values["say language"],
            speech_language=values["speech"],
            tts_voice=values["tts voice"],
            tts_rate=rate,
            source=reading.src(line),
        )
    if not result and not any(d.severity == "error" for d in reading.diagnostics):
        reading.error(section.line, "declare at least one language")
    return result
