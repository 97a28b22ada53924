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
        say = reading.section(spec, "say", what) or LocatedDict()
        tts = reading.section(spec, "tts", what) or LocatedDict()
        for sub, allowed in ((say, ("voice", "language")), (tts, ("voice", "rate"))):
            if isinstance(sub, LocatedDict) and hasattr(sub, "line"):
                reading.fields(sub, allowed, what)
        values = {
            "name": spec.get("name"),
            "say voice": say.get("voice"),
            "say language": say.get("language"),
            "speech": spec.get("speech"),
            "tts voice": tts.get("voice"),
        }
        missing = [k for k, v in values.items() if not isinstance(v, str) or not v.strip()]
        for name in missing:
            reading.error(line, f"{what} is missing its '{name}' setting")
        if missing:
            continue
        rate = reading.integer(tts, "rate", 60, 400, default=160) if hasattr(tts, "line") else 160
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
