"""What the service says in its own words: the ``messages``, ``words`` and ``key_names`` sections.

``MESSAGES`` and ``WORDS`` are the complete lists: a file must give each one (a word list with no
fixed count may be left out), and a message may use only its own placeholders.
"""

from __future__ import annotations

from ivr.menu.fields import Field, Shape, section
from ivr.menu.model import Text, Words
from ivr.menu.reading import KEY_SHAPE, LANGUAGE_SHAPE, TEXT_SHAPE, WORD_LIST_SHAPE, WORDS_SHAPE, Reading
from ivr.menu.yaml_source import LocatedDict

# Every message the service says in its own words, and the placeholders each one may use.
MESSAGES: dict[str, frozenset[str]] = {
    "option": frozenset({"label", "key"}),
    "action_option": frozenset({"label", "key"}),
    "transfer_tip": frozenset({"hotline"}),
    "connecting": frozenset({"hotline"}),
    "closed": frozenset({"hotline", "hours"}),
    "next_open": frozenset({"day", "time"}),
    "today": frozenset(),
    "tomorrow": frozenset(),
    "day_range": frozenset({"first", "last"}),
    "hours_span": frozenset({"days", "start", "end"}),
    "hours_all_day": frozenset({"days"}),
    "hours_separator": frozenset(),
    "time": frozenset({"hour", "hour12", "ampm"}),
    "time_minutes": frozenset({"hour", "hour12", "minute", "ampm"}),
    "am": frozenset(),
    "pm": frozenset(),
    "number_readout": frozenset({"hotline", "number"}),
    "dial_busy": frozenset({"hotline"}),
    "dial_no_answer": frozenset({"hotline"}),
    "dial_failed": frozenset({"hotline"}),
    "record_prompt": frozenset({"seconds"}),
    "record_thanks": frozenset(),
    "goodbye": frozenset(),
    "error_apology": frozenset(),
    "label_repeat": frozenset(),
    "label_back": frozenset(),
    "label_main": frozenset(),
    "label_help": frozenset(),
    "label_end_call": frozenset(),
    "label_leave_message": frozenset(),
    "label_retry": frozenset(),
    "label_hear_number": frozenset(),
}
# Messages a file may leave out: their placeholders, and what is said without them. They make the
# hours sound natural; a line without them reads the days and times with the messages above.
OPTIONAL_MESSAGES: dict[str, tuple[frozenset[str], str]] = {
    "weekends": (frozenset(), "said for Saturday to Sunday ('周末', 'weekends'); without it, 'day_range'"),
    "every_day": (frozenset(), "said for Monday to Sunday ('每天', 'every day'); without it, 'day_range'"),
    "hours_within_day": (
        frozenset(),
        "joins two opening times of one day ('和', 'and'), so a lunch break does not sound like another "
        "day; without it, 'hours_separator'",
    ),
    "noon": (frozenset(), "12:00 ('中午12点', 'noon'); without it, the 'time' message"),
    "midnight": (frozenset(), "00:00 and 24:00 ('零点', 'midnight'); without it, the 'time' message"),
}
# Messages an older file may still give, and what replaced them: an error that says what to do.
RETIRED_MESSAGES: dict[str, str] = {
    "global_keys": "each global key is announced on its own (the 'action_option' message with its "
    "'label_…'), and only where it leads somewhere the menu's other keys do not",
}
# Lists of words per language: day names (Monday first), and what callers say for the global keys.
WORDS: dict[str, int | None] = {
    "days": 7,
    "repeat": None,
    "back": None,
    "main": None,
    "help": None,
    "end_call": None,
    "leave_message": None,
    "retry": None,
    "hear_number": None,
}


def _message_field(name: str, placeholders: frozenset[str]) -> Field:
    said = ", ".join("{" + p + "}" for p in sorted(placeholders)) or "none"
    return Field(f"the line's own sentence '{name}' in every language; placeholders: {said}", TEXT_SHAPE, True)


def _optional_message_field(name: str, placeholders: frozenset[str], without: str) -> Field:
    said = ", ".join("{" + p + "}" for p in sorted(placeholders)) or "none"
    return Field(f"optional: the line's own words '{name}', {without}; placeholders: {said}", TEXT_SHAPE)


def _words_field(name: str, count: int | None) -> Field:
    if count is None:
        return Field(f"what callers may say for '{name}', per language", WORDS_SHAPE)
    exactly: Shape = dict(WORD_LIST_SHAPE, minItems=count, maxItems=count)
    shape: Shape = {"type": "object", "propertyNames": LANGUAGE_SHAPE, "additionalProperties": exactly}
    return Field(f"exactly {count} words per language ('{name}', Monday first)", shape, True)


MESSAGES_SHAPE = section(
    {
        **{name: _message_field(name, allowed) for name, allowed in MESSAGES.items()},
        **{name: _optional_message_field(name, *spec) for name, spec in OPTIONAL_MESSAGES.items()},
    }
)
WORDS_SECTION_SHAPE = section({name: _words_field(name, count) for name, count in WORDS.items()})
KEY_NAMES_SHAPE: Shape = {"type": "object", "propertyNames": KEY_SHAPE["anyOf"][0], "additionalProperties": TEXT_SHAPE}


def read_messages(reading: Reading, data: LocatedDict) -> dict[str, Text]:
    section = reading.section(data, "messages", "the file")
    if section is None:
        return {}
    reading.fields(section, (*MESSAGES, *OPTIONAL_MESSAGES, *RETIRED_MESSAGES), "messages")
    for name, why in RETIRED_MESSAGES.items():
        if name in section:
            reading.error(section.line_of(name), f"message '{name}' is no longer said: {why}; delete it")
    result = {}
    for name, allowed in MESSAGES.items():
        if name not in section:
            reading.missing(section, name, section.line, f"messages is missing '{name}'")
            continue
        text = reading.text(section[name], section.line_of(name), f"message '{name}'", placeholders=allowed)
        if text:
            result[name] = text
    for name, (allowed, _without) in OPTIONAL_MESSAGES.items():
        if name in section:
            text = reading.text(section[name], section.line_of(name), f"message '{name}'", placeholders=allowed)
            if text:
                result[name] = text
    return result


def read_words(reading: Reading, data: LocatedDict) -> dict[str, Words]:
    section = reading.section(data, "words", "the file")
    if section is None:
        return {}
    reading.fields(section, WORDS, "words")
    result = {}
    for name, count in WORDS.items():
        if name not in section:
            if count is not None:
                reading.missing(section, name, section.line, f"words is missing '{name}'")
            continue
        found = reading.words(section[name], section.line_of(name), f"words '{name}'", count)
        if found:
            if count is not None:
                for lang in reading.langs:
                    # A list that is there but wrong has had its error already.
                    if lang not in found.by_lang and lang not in section[name]:
                        reading.error(section.line_of(name), f"words '{name}' is missing its {lang} list")
            result[name] = found
    return result


def read_key_names(reading: Reading, data: LocatedDict) -> dict[str, Text]:
    section = data.get("key_names")
    if section is None:
        reading.missing(data, "key_names", data.line, "the file is missing 'key_names' (how '*' and '#' are said)")
        return {}
    if not isinstance(section, LocatedDict):
        reading.error(data.line_of("key_names"), "'key_names' must map keys to how they are said")
        return {}
    result = {}
    for key, value in section.items():
        key_str = reading.key(key, section.line_of(key), "each entry of key_names")
        if key_str:
            text = reading.text(value, section.line_of(key), f"key name '{key_str}'")
            if text:
                result[key_str] = text
    for key in "*#":
        if key not in result and not any(
            d.severity == "error" and "key_names" in d.message for d in reading.diagnostics
        ):
            reading.error(section.line, f"key_names is missing '{key}' (how the key is said)")
    return result
