"""The ``defaults`` section: timeouts, attempt caps, speech settings, the global keys and the reprompts.

Reprompts are read here for menu nodes too: a menu's own ``reprompts`` has the defaults' shape.
"""

from __future__ import annotations

from ivr.menu.fields import Field, boolean, list_of, number, section, whole
from ivr.menu.model import GLOBAL_ACTIONS, SITUATION_KEYS, Defaults, Keys, Limits, Reprompts, Text
from ivr.menu.reading import ID_SHAPE, KEY_SHAPE, TEXT_SHAPE, Reading
from ivr.menu.yaml_source import LocatedDict, LocatedList

KEY_FIELDS = {
    "help": Field("the key that leads to the help node, in every menu (ISO/IEC 13714: 0)", KEY_SHAPE, True, "0"),
    "back": Field("the key that goes back to the previous menu (ISO/IEC 13714: *)", KEY_SHAPE, True, "*"),
    "repeat": Field("the key that says the menu again", KEY_SHAPE, True, "8"),
    "end_call": Field("the key that ends the call (ISO/IEC 13714: 9); leave out for none", KEY_SHAPE),
    "leave_message": Field("key of 'leave a message' in the menu after a closed transfer", KEY_SHAPE, True, "1"),
    "retry": Field("key of 'try again' in the menu after a failed transfer", KEY_SHAPE, True, "1"),
    "hear_number": Field("key of 'hear the number' after a closed or failed transfer", KEY_SHAPE, True, "2"),
}
REPROMPT_FIELDS = {
    "no_input": Field("said after a silence, one text per attempt (the last repeats)", list_of(TEXT_SHAPE)),
    "no_match": Field("said after a wrong key or words not understood, one per attempt", list_of(TEXT_SHAPE)),
}
LIMIT_SECONDS = (1, 120)  # a limit outside this range is a typo (ms for s), not a choice
LIMIT_FIELDS = {
    "first_key": Field(
        "seconds from the answer until the first key choice has been said, in each language",
        number(*LIMIT_SECONDS),
        default=Limits.first_key,
    ),
    "menu": Field(
        "longest menu, in seconds: its prompt, options and global keys", number(*LIMIT_SECONDS), default=Limits.menu
    ),
    "guidance": Field("longest guidance of an info node, in seconds", number(*LIMIT_SECONDS), default=Limits.guidance),
    "follow_up": Field(
        "longest menu said right after a guidance, in seconds", number(*LIMIT_SECONDS), default=Limits.follow_up
    ),
}
DEFAULT_FIELDS = {
    "timeout": Field("seconds a menu waits for the first key or word", whole(1, 60), default=5),
    "max_no_input": Field("silences before the caller goes to the fallback", whole(1, 10), default=3),
    "max_no_match": Field("wrong keys or misheard words before the fallback", whole(1, 10), default=3),
    "speech": Field("whether menus also listen for spoken words", boolean(), default=True),
    "min_confidence": Field(
        "speech recognised with less confidence counts as not understood", number(0, 1), default=0.5
    ),
    "dial_timeout": Field("seconds a transfer rings before 'no answer'", whole(5, 600), default=30),
    "record_max_seconds": Field("the longest message a caller can leave after hours", whole(5, 3600), default=120),
    "keys": Field("the global keys, and the keys of the short menus the line builds itself", section(KEY_FIELDS), True),
    "reprompts": Field("what is said before a menu is repeated", section(REPROMPT_FIELDS)),
    "fallback": Field("the node (a goodbye or transfer) taken when the attempts run out", ID_SHAPE),
    "limits": Field(
        "how long callers listen, in seconds of rendered audio; `ivr audio build` warns past them (--strict fails)",
        section(LIMIT_FIELDS),
    ),
}


def read_defaults(reading: Reading, data: LocatedDict) -> Defaults | None:
    spec = reading.section(data, "defaults", "the file")
    if spec is None:
        return None
    reading.fields(spec, DEFAULT_FIELDS, "defaults")
    speech = spec.get("speech", DEFAULT_FIELDS["speech"].default)
    if not isinstance(speech, bool):
        reading.error(spec.line_of("speech"), "'speech' must be true or false")
        speech = True
    confidence = spec.get("min_confidence", DEFAULT_FIELDS["min_confidence"].default)
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        reading.error(spec.line_of("min_confidence"), "'min_confidence' must be a number from 0 to 1")
        confidence = DEFAULT_FIELDS["min_confidence"].default
    fallback = spec.get("fallback")
    if "fallback" in spec:
        reading.ref_lines["defaults fallback"] = spec.line_of("fallback")
    if fallback is not None and not isinstance(fallback, str):
        reading.error(spec.line_of("fallback"), "'fallback' must be a node id")
        fallback = None
    return Defaults(
        timeout=_whole(reading, spec, "timeout"),
        max_no_input=_whole(reading, spec, "max_no_input"),
        max_no_match=_whole(reading, spec, "max_no_match"),
        speech=speech,
        min_confidence=float(confidence),
        dial_timeout=_whole(reading, spec, "dial_timeout"),
        record_max_seconds=_whole(reading, spec, "record_max_seconds"),
        keys=_keys(reading, spec),
        reprompts=read_reprompts(reading, spec, "defaults"),
        fallback=fallback,
        source=reading.src(spec.line),
        limits=_limits(reading, spec),
    )


def _whole(reading: Reading, spec: LocatedDict, name: str) -> int:
    return reading.integer(spec, name, *DEFAULT_FIELDS[name].bounds, default=DEFAULT_FIELDS[name].default)


def _limits(reading: Reading, spec: LocatedDict) -> Limits:
    """``defaults.limits``: each a number of seconds; one left out keeps its default."""
    limits = reading.section(spec, "limits", "defaults", required=False)
    if limits is None:
        return Limits()
    reading.fields(limits, LIMIT_FIELDS, "limits")
    low, high = LIMIT_SECONDS
    chosen: dict[str, float] = {}
    for name, field in LIMIT_FIELDS.items():
        value = limits.get(name, field.default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            reading.error(limits.line_of(name), f"limit '{name}' must be a number of seconds from {low} to {high}")
            value = field.default
        chosen[name] = float(value)
    return Limits(**chosen, source=reading.src(limits.line))


def _keys(reading: Reading, spec: LocatedDict) -> Keys:
    keys = reading.section(spec, "keys", "defaults")
    names = tuple(KEY_FIELDS)  # GLOBAL_ACTIONS and SITUATION_KEYS: Keys(...) fails if they drift apart
    fallback = {name: f.default for name, f in KEY_FIELDS.items()}
    if keys is None:
        return Keys(**fallback, source=reading.src(spec.line))  # type: ignore[arg-type]
    reading.fields(keys, names, "keys")
    chosen: dict[str, str | None] = {}
    for name in names:
        if name not in keys:
            if not KEY_FIELDS[name].required:
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
    reading.fields(section, REPROMPT_FIELDS, f"{what} reprompts")
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
