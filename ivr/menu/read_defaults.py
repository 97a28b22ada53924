"""The ``defaults`` section: timeouts, attempt caps, speech settings, the global keys and the reprompts.

Reprompts are read here for menu nodes too: a menu's own ``reprompts`` has the defaults' shape.
"""

from __future__ import annotations

from ivr.menu.model import GLOBAL_ACTIONS, SITUATION_KEYS, Defaults, Keys, Reprompts, Text
from ivr.menu.reading import Reading
from ivr.menu.yaml_source import LocatedDict, LocatedList


def read_defaults(reading: Reading, data: LocatedDict) -> Defaults | None:
    spec = reading.section(data, "defaults", "the file")
    if spec is None:
        return None
    reading.fields(
        spec,
        (
            "timeout",
            "max_no_input",
            "max_no_match",
            "speech",
            "min_confidence",
            "dial_timeout",
            "record_max_seconds",
            "keys",
            "reprompts",
            "fallback",
        ),
        "defaults",
    )
    speech = spec.get("speech", True)
    if not isinstance(speech, bool):
        reading.error(spec.line_of("speech"), "'speech' must be true or false")
        speech = True
    confidence = spec.get("min_confidence", 0.5)
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        reading.error(spec.line_of("min_confidence"), "'min_confidence' must be a number from 0 to 1")
        confidence = 0.5
    fallback = spec.get("fallback")
    if "fallback" in spec:
        reading.ref_lines["defaults fallback"] = spec.line_of("fallback")
    if fallback is not None and not isinstance(fallback, str):
        reading.error(spec.line_of("fallback"), "'fallback' must be a node id")
        fallback = None
    return Defaults(
        timeout=reading.integer(spec, "timeout", 1, 60, default=5),
        max_no_input=reading.integer(spec, "max_no_input", 1, 10, default=3),
        max_no_match=reading.integer(spec, "max_no_match", 1, 10, default=3),
        speech=speech,
        min_confidence=float(confidence),
        dial_timeout=reading.integer(spec, "dial_timeout", 5, 600, default=30),
        record_max_seconds=reading.integer(spec, "record_max_seconds", 5, 3600, default=120),
        keys=_keys(reading, spec),
        reprompts=read_reprompts(reading, spec, "defaults"),
        fallback=fallback,
        source=reading.src(spec.line),
    )


def _keys(reading: Reading, spec: LocatedDict) -> Keys:
    keys = reading.section(spec, "keys", "defaults")
    names = (*GLOBAL_ACTIONS, *SITUATION_KEYS)
    fallback = {"help": "0", "back": "*", "repeat": "8", "end_call": None, "leave_message": "1",
                "retry": "1", "hear_number": "2"}  # fmt: skip
    if keys is None:
        return Keys(**fallback, source=reading.src(spec.line))  # type: ignore[arg-type]
    reading.fields(keys, names, "keys")
    chosen: dict[str, str | None] = {}
    for name in names:
        if name not in keys:
            if name == "end_call":
                chosen[name] = None
                continue
            reading.missing(keys, name, keys.line, f"keys is missing '{name}'")
            chosen[name] = fallback[name]
            continue
        chosen[name] = reading.key(keys[name], keys.line_of(name), f"key '{name}'") or fallback[name]
    seen: dict[str, str] = {}
    for name in GLOBAL_ACTIONS:
        key = chosen[name]
        if key is None:
            continue
        if key in seen:
            reading.error(keys.line_of(name), f"key '{key}' is used for both '{seen[key]}' and '{name}'")
        seen[key] = name
    for name in SITUATION_KEYS:
        key = chosen[name]
        if key in seen:
            reading.error(keys.line_of(name), f"key '{name}' ('{key}') clashes with the global key '{seen[key]}'")
    if chosen["retry"] == chosen["hear_number"]:
        reading.error(keys.line_of("hear_number"), "keys 'retry' and 'hear_number' must differ")
    return Keys(**chosen, source=reading.src(keys.line))  # type: ignore[arg-type]


def read_reprompts(reading: Reading, spec: LocatedDict, what: str) -> Reprompts:
    section = spec.get("reprompts")
    if section is None:
        return Reprompts()
    if not isinstance(section, LocatedDict):
        reading.error(spec.line_of("reprompts"), f"{what} reprompts must have no_input and/or no_match lists")
        return Reprompts()
    reading.fields(section, ("no_input", "no_match"), f"{what} reprompts")
    lists: dict[str, tuple[Text, ...]] = {}
    for kind in ("no_input", "no_match"):
        if kind not in section:
            continue  # one list alone is fine: the other kind keeps the defaults' (or none)
        items = section[kind]
        if not isinstance(items, LocatedList):
            reading.error(section.line_of(kind), f"{what} reprompts '{kind}' must be a list, one per attempt")
            continue
        texts = []
        for index, item in enumerate(items):
            text = reading.text(item, items.line_of(index), f"{what} reprompt {kind} #{index + 1}")
            if text:
                texts.append(text)
        lists[kind] = tuple(texts)
    return Reprompts(**lists)
