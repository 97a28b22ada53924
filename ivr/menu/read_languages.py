"""The ``languages`` section: each language's name, voices, speech recognition language and speaking rate.

It is read first: its codes become ``Reading.langs``, the languages every later text is checked in.
"""

from __future__ import annotations

from ivr.menu.model import Language
from ivr.menu.reading import Reading
from ivr.menu.yaml_source import LocatedDict


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
        reading.fields(spec, ("name", "say", "speech", "tts"), what)
        say = reading.section(spec, "say", what)
        tts = reading.section(spec, "tts", what)
        for sub, allowed in ((say, ("voice", "language")), (tts, ("voice", "rate"))):
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
        rate = reading.integer(tts, "rate", 60, 400, default=160)
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
