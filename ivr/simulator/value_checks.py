"""The values Twilio checks in a document, with the codes Twilio logs for them.

The schema check (:mod:`.twiml_schema`, 12200) looks at names and types; this one at what the
values mean to Twilio: a voice that does not exist or does not speak the language asked for
(13511), an empty ``<Say>`` (13520), a speech-recognition language Twilio does not offer
(13512), ``speechTimeout="auto"`` together with a ``speechModel`` (13335), hints past the
documented limits (13330), a number that is not E.164 (13223 warning for separators, 13224
error when Twilio cannot dial it at all), a malformed SIP URI (13243) and numbers out of their
documented ranges (13313, 13212, 13216, 13611, 13612).  Each code's page is in
``data/twilio_errors.json``; the voice and language tables are data files too
(:mod:`.twilio_tables`).  Severities follow each page's "Log Level".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from ivr.simulator.twilio_tables import error_title, limit, speech_languages, voices
from ivr.simulator.twiml_tree import Node, Problem

_E164 = re.compile(r"\+[1-9]\d{1,14}")
_SEPARATORS = re.compile(r"[\s\-().]")
# RFC 3261 in the small: sip(s):[user[:password]@]host[:port][;params][?headers]
_SIP_URI = re.compile(
    r"sips?:(?:[^@\s:;?]+(?::[^@\s]*)?@)?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?(?:;[^?\s]*)?(?:\?\S*)?"
)


def value_problems(root: Node, nesting: Mapping[str, frozenset[str]]) -> list[Problem]:
    """Every value problem in the document under ``root``, in document order.

    Only elements where ``nesting`` (the schema's parent -> children table) allows them are
    checked: a misplaced one is already a 12200 and Twilio does not run it.
    """
    return sorted(_walk(root, nesting), key=lambda p: p.line)


def _problem(code: int, severity: str, node: Node, detail: str) -> Problem:
    return Problem(code, severity, node.line, f"{error_title(code)}: {detail}", node.column, node.tag)


def _walk(node: Node, nesting: Mapping[str, frozenset[str]]) -> Iterator[Problem]:
    check = _CHECKS.get(node.tag)
    if check is not None:
        yield from check(node)
    for child in node.elements():
        if child.tag in nesting.get(node.tag, frozenset()):
            yield from _walk(child, nesting)


def _say(node: Node) -> Iterator[Problem]:
    voice = node.attrs.get("voice", "man")
    spoken = voices().languages(voice)
    if spoken is None:
        yield _problem(13511, "warning", node, f"Twilio has no voice {voice!r} (see its Text-to-Speech list)")
    elif "language" in node.attrs and node.attrs["language"] not in spoken:
        languages = ", ".join(sorted(spoken))
        yield _problem(
            13511, "warning", node, f"voice {voice!r} does not speak {node.attrs['language']!r} (it speaks {languages})"
        )
    if not node.text:
        yield _problem(13520, "warning", node, "<Say> has no text; the caller hears nothing")


def _integer(node: Node, name: str) -> int | None:
    raw = node.attrs.get(name, "").strip()
    return int(raw) if raw.isdigit() else None


def _range(node: Node, name: str, code: int, low: int, high: int | None) -> Iterator[Problem]:
    if name not in node.attrs:
        return
    value = _integer(node, name)
    if value is None or value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"a whole number of at least {low}"
        yield _problem(code, "warning", node, f"{name}={node.attrs[name]!r} must be {bounds} seconds")


def _gather(node: Node) -> Iterator[Problem]:
    language = node.attrs.get("language", "en-US")
    if language not in speech_languages():
        yield _problem(
            13512,
            "warning",
            node,
            f"{language!r} is not a speech-recognition language Twilio offers (en-US, cmn-Hans-CN...)",
        )
    if node.attrs.get("speechTimeout") == "auto" and node.attrs.get("speechModel"):
        yield _problem(
            13335,
            "warning",
            node,
            f'speechTimeout="auto" with speechModel={node.attrs["speechModel"]!r}: use a whole number of seconds',
        )
    hints = node.attrs.get("hints")
    if hints is not None:
        entries = [h.strip() for h in hints.split(",")]
        longest = max(entries, key=len)
        if len(entries) > limit("hints_max_entries"):
            yield _problem(13330, "warning", node, f"{len(entries)} hints; at most {limit('hints_max_entries')}")
        most = limit("hints_max_entry_chars")
        if len(longest) > most:
            yield _problem(
                13330,
                "warning",
                node,
                f"hint {longest[:30]!r}... is {len(longest)} characters; at most {most}",
            )
    low, high = limit("gather_timeout")
    yield from _range(node, "timeout", 13313, low, high)


def _number(node: Node, text: str) -> Iterator[Problem]:
    if _E164.fullmatch(text):
        return
    compact = _SEPARATORS.sub("", text)
    if _E164.fullmatch(compact):
        yield _problem(13223, "warning", node, f"{text!r} has separators; write it {compact!r} (E.164)")
        return
    yield _problem(
        13224,
        "error",
        node,
        f"{text!r} is not E.164 (+, country code, subscriber number, at most 15 digits); Twilio does not dial it",
    )


def _dial(node: Node) -> Iterator[Problem]:
    own = " ".join("".join(c for c in node.children if isinstance(c, str)).split())
    if own:
        yield from _number(node, own)
    low, high = limit("dial_timeout")
    yield from _range(node, "timeout", 13212, low, high)
    yield from _range(node, "timeLimit", 13216, 1, None)


def _number_noun(node: Node) -> Iterator[Problem]:
    yield from _number(node, node.text)


def _sip(node: Node) -> Iterator[Problem]:
    if not _SIP_URI.fullmatch(node.text):
        yield _problem(13243, "warning", node, f"{node.text!r} is not a SIP URI (sip:user@host[:port][;params])")


def _record(node: Node) -> Iterator[Problem]:
    low, high = limit("record_max_length")
    yield from _range(node, "maxLength", 13612, low, high)
    yield from _range(node, "timeout", 13611, 0, None)


_CHECKS = {
    "Say": _say,
    "Gather": _gather,
    "Dial": _dial,
    "Number": _number_noun,
    "Sip": _sip,
    "Record": _record,
}
