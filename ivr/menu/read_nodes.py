"""The ``nodes`` section: every node of the tree, read by its kind, with its options.

A node that cannot be read is left out of the tree and recorded in ``Reading.broken_nodes``, so
the validator does not also report each option leading to it as a missing target.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ivr.menu.diagnostics import did_you_mean
from ivr.menu.fields import Field, Shape, list_of, one_of_values, section, whole
from ivr.menu.model import (
    GoodbyeNode,
    InfoNode,
    LanguageNode,
    LanguageOption,
    MenuNode,
    Node,
    Option,
    Text,
    TransferNode,
)
from ivr.menu.read_defaults import REPROMPT_FIELDS, read_reprompts
from ivr.menu.reading import ID_PATTERN, ID_SHAPE, KEY_SHAPE, LANGUAGE_SHAPE, TEXT_SHAPE, WORDS_SHAPE, Reading
from ivr.menu.yaml_source import LocatedDict, LocatedList

OPTION_ACTIONS = ("repeat", "back", "main", "help", "end_call")

_KEYWORDS = Field("words per language that choose this option by voice", WORDS_SHAPE)
OPTION_FIELDS = {
    "key": Field('the phone key, in quotes: "1"', KEY_SHAPE, required=True),
    "goto": Field("the id of the node this option leads to", ID_SHAPE),
    "action": Field("what this option does instead of leading to a node", one_of_values(OPTION_ACTIONS)),
    "label": Field("how the option is announced ('<label>, press <key>'); default: the target's title", TEXT_SHAPE),
    "keywords": _KEYWORDS,
}
LANGUAGE_OPTION_FIELDS = {
    "key": Field('the phone key, in quotes: "1"', KEY_SHAPE, required=True),
    "language": Field("the declared language this option chooses", LANGUAGE_SHAPE, required=True),
    "label": Field("the choice, said in its own language: {en-US: English}", TEXT_SHAPE, required=True),
    "keywords": _KEYWORDS,
}
_OPTION_SHAPE = section(OPTION_FIELDS, {"oneOf": [{"required": ["goto"]}, {"required": ["action"]}]})


def _kind(kind: str, doc: str) -> Field:
    return Field(doc, {"const": kind}, required=True)


_TITLE = Field("the node's short name: what options leading here are called, and its box in ivr graph", TEXT_SHAPE)
_MENU_FIELDS = {
    "title": _TITLE,
    "prompt": Field("said before the options, in every language", TEXT_SHAPE),
    "options": Field("the menu's choices, announced in this order", list_of(_OPTION_SHAPE)),
    "reprompts": Field("this menu's own reprompts (the rest come from defaults)", section(REPROMPT_FIELDS)),
    "fallback": Field("the node taken when the attempts run out (default: the defaults' fallback)", ID_SHAPE),
    "timeout": Field("seconds this menu waits for a key or word", whole(1, 60)),
}
NODE_FIELDS: dict[str, dict[str, Field]] = {  # kind -> its fields
    "language": {
        "kind": _kind("language", "asks which language the caller wants"),
        "title": _TITLE,
        "prompt": Field("the welcome, said in every language before the choices", TEXT_SHAPE),
        "options": Field("one choice per language", list_of(section(LANGUAGE_OPTION_FIELDS), 1), required=True),
        "next": Field("the node callers go to after choosing", ID_SHAPE, required=True),
    },
    "menu": {
        "kind": _kind("menu", "a spoken list of choices"),
        **_MENU_FIELDS,
        "prompt": Field("said before the options, in every language", TEXT_SHAPE, required=True),
    },
    "info": {
        "kind": _kind("info", "guidance read aloud, then its own follow-up choices"),
        **_MENU_FIELDS,
        "text": Field("the guidance, in every language", TEXT_SHAPE, required=True),
    },
    "transfer": {
        "kind": _kind("transfer", "connects the caller to a hotline while it is open"),
        "title": _TITLE,
        "hotline": Field("the id of the hotline to transfer to", ID_SHAPE, required=True),
        "tip": Field("said before connecting (default: the transfer_tip message)", TEXT_SHAPE),
    },
    "goodbye": {
        "kind": _kind("goodbye", "says goodbye and ends the call"),
        "title": _TITLE,
        "text": Field("the parting words", TEXT_SHAPE),
    },
}
NODE_SHAPE: Shape = {
    "type": "object",
    "required": ["kind"],
    "properties": {"kind": {"enum": list(NODE_FIELDS), "description": "what the node does"}},
    "allOf": [
        {"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": section(table)}
        for kind, table in NODE_FIELDS.items()
    ],
}
NODES_SHAPE: Shape = {"type": "object", "propertyNames": ID_SHAPE, "additionalProperties": NODE_SHAPE}


def read_nodes(reading: Reading, data: LocatedDict) -> dict[str, Node]:
    section = reading.section(data, "nodes", "the file")
    if section is None:
        return {}
    readers: dict[str, Callable[[Reading, str, LocatedDict, int], Node | None]] = {
        "language": _language_node,
        "menu": _menu_node,
        "info": _menu_node,
        "transfer": _transfer_node,
        "goodbye": _goodbye_node,
    }
    result = {}
    for node_id, spec in section.items():
        line = section.line_of(node_id)
        if not isinstance(node_id, str) or not ID_PATTERN.match(node_id):
            reading.error(line, f"node id '{node_id}': use lower-case letters, digits and '_', starting with a letter")
            continue
        if not isinstance(spec, LocatedDict):
            reading.error(line, f"node '{node_id}' must have a kind and its settings")
            reading.broken_nodes.add(node_id)
            continue
        kind = spec.get("kind")
        if not isinstance(kind, str) or kind not in readers:  # a list or map is no kind (and no dict key)
            reading.error(
                spec.line_of("kind"),
                f"node '{node_id}' has kind {kind!r}; use one of {', '.join(readers)}"
                f"{did_you_mean(str(kind), readers)}",
            )
            reading.broken_nodes.add(node_id)
            continue
        node = readers[kind](reading, node_id, spec, line)
        if node is None:
            reading.broken_nodes.add(node_id)
        else:
            result[node_id] = node
    return result


def _title(reading: Reading, spec: LocatedDict, what: str) -> Text | None:
    if "title" not in spec:
        return None
    return reading.text(spec["title"], spec.line_of("title"), f"{what} title")


def _language_node(reading: Reading, node_id: str, spec: LocatedDict, line: int) -> Node | None:
    what = f"node '{node_id}'"
    reading.fields(spec, NODE_FIELDS["language"], what)
    prompt = reading.text(spec["prompt"], spec.line_of("prompt"), f"{what} prompt") if "prompt" in spec else None
    options = []
    unreadable = False  # an option that could not be read: its language would be reported "not offered" too
    items = spec.get("options")
    if not isinstance(items, LocatedList) or not items:
        reading.missing(spec, "options", spec.line_of("options"), f"{what} needs options, one per language")
        return None
    for index, item in enumerate(items):
        item_line = items.line_of(index)
        if not isinstance(item, LocatedDict):
            reading.error(item_line, f"{what} option #{index + 1} must have a key and a language")
            unreadable = True
            continue
        reading.fields(item, LANGUAGE_OPTION_FIELDS, f"{what} option")
        key = reading.key(item.get("key"), item.line_of("key"), f"{what} option key")
        lang = item.get("language")
        if lang not in reading.langs:
            reading.error(
                item.line_of("language"),
                f"{what} option language {lang!r} is not declared{did_you_mean(str(lang), reading.langs)}",
            )
            unreadable = True
            continue
        label = reading.text(item.get("label"), item.line_of("label"), f"{what} option label", langs=(lang,))
        keywords = None
        if "keywords" in item:
            keywords = reading.words(item["keywords"], item.line_of("keywords"), f"{what} option keywords")
        if key and label:
            options.append(LanguageOption(key, lang, label, keywords, reading.src(item_line), reading.lines(item)))
    next_node = spec.get("next")
    if not isinstance(next_node, str):
        where = spec.line_of("next")
        reading.missing(spec, "next", where, f"{what} needs 'next': the node callers go to after choosing")
        return None
    if unreadable:
        return None  # left out as broken, so the checks of the whole node wait until the option is fixed
    return LanguageNode(
        id=node_id,
        title=_title(reading, spec, what),
        source=reading.src(line),
        lines=reading.lines(spec),
        prompt=prompt,
        options=tuple(options),
        next=next_node,
    )


def _menu_node(reading: Reading, node_id: str, spec: LocatedDict, line: int) -> Node | None:
    kind = spec["kind"]
    what = f"node '{node_id}'"
    reading.fields(spec, NODE_FIELDS[kind], what)
    prompt = None
    if "prompt" in spec:
        prompt = reading.text(spec["prompt"], spec.line_of("prompt"), f"{what} prompt")
    elif kind == "menu":
        reading.missing(spec, "prompt", line, f"{what} needs a 'prompt' in every language")
    text = None
    if kind == "info":
        if "text" in spec:
            text = reading.text(spec["text"], spec.line_of("text"), f"{what} guidance text")
        else:
            reading.missing(spec, "text", line, f"{what} needs its guidance 'text' in every language")
    options = []
    items = spec.get("options", LocatedList())
    if not isinstance(items, LocatedList):
        reading.error(spec.line_of("options"), f"{what} options must be a list of '- key: …' entries")
        items = LocatedList()
        items.line, items.item_lines = line, []
    for index, item in enumerate(items):
        option = _option(reading, item, items.line_of(index), what)
        if option:
            options.append(option)
    fallback = spec.get("fallback")
    if fallback is not None and not isinstance(fallback, str):
        reading.error(spec.line_of("fallback"), f"{what} fallback must be a node id")
        fallback = None
    timeout = reading.integer(spec, "timeout", *_MENU_FIELDS["timeout"].bounds) if "timeout" in spec else None
    title = _title(reading, spec, what)
    reprompts = read_reprompts(reading, spec, what)
    if "options" in spec and not isinstance(spec["options"], LocatedList):
        return None  # left out as broken: "no way out" would be the same mistake told twice
    cls = InfoNode if kind == "info" else MenuNode
    extra = {"text": text} if kind == "info" else {}
    return cls(
        id=node_id,
        title=title,
        source=reading.src(line),
        lines=reading.lines(spec),
        prompt=prompt,
        options=tuple(options),
        reprompts=reprompts,
        fallback=fallback,
        timeout=timeout,
        **extra,
    )


def _option(reading: Reading, item: Any, line: int, what: str) -> Option | None:
    if not isinstance(item, LocatedDict):
        reading.error(line, f"{what} option must have a key and goto (or action)")
        return None
    reading.fields(item, OPTION_FIELDS, f"{what} option")
    key = reading.key(item.get("key"), item.line_of("key"), f"{what} option key")
    if "goto" in item and "action" in item:
        reading.error(line, f"{what} option '{key}' has both goto and action; keep one")
        return None
    if "goto" in item:
        target = item["goto"]
        if not isinstance(target, str):
            reading.error(item.line_of("goto"), f"{what} option '{key}' goto must be a node id")
            return None
        action = "goto"
    elif "action" in item:
        action, target = item["action"], None
        if action not in OPTION_ACTIONS:
            reading.error(
                item.line_of("action"),
                f"{what} option '{key}' has action {action!r}; use one of {', '.join(OPTION_ACTIONS)}"
                f"{did_you_mean(str(action), OPTION_ACTIONS)}",
            )
            return None
    else:
        if not reading.misspelt(item, "goto") and not reading.misspelt(item, "action"):
            reading.error(line, f"{what} option '{key}' needs goto: <node> or action: <{'|'.join(OPTION_ACTIONS)}>")
        return None
    label = (
        reading.text(item["label"], item.line_of("label"), f"{what} option '{key}' label") if "label" in item else None
    )
    keywords = None
    if "keywords" in item:
        keywords = reading.words(item["keywords"], item.line_of("keywords"), f"{what} option '{key}' keywords")
    if key is None:
        return None
    return Option(key, action, target, label, keywords, reading.src(line), reading.lines(item))


def _transfer_node(reading: Reading, node_id: str, spec: LocatedDict, line: int) -> Node | None:
    what = f"node '{node_id}'"
    reading.fields(spec, NODE_FIELDS["transfer"], what)
    hotline = spec.get("hotline")
    if not isinstance(hotline, str):
        where = spec.line_of("hotline") if "hotline" in spec else line
        reading.missing(spec, "hotline", where, f"{what} needs 'hotline': the id of the hotline to transfer to")
        return None
    tip = reading.text(spec["tip"], spec.line_of("tip"), f"{what} tip") if "tip" in spec else None
    return TransferNode(
        id=node_id,
        title=_title(reading, spec, what),
        source=reading.src(line),
        lines=reading.lines(spec),
        hotline=hotline,
        tip=tip,
    )


def _goodbye_node(reading: Reading, node_id: str, spec: LocatedDict, line: int) -> Node | None:
    what = f"node '{node_id}'"
    reading.fields(spec, NODE_FIELDS["goodbye"], what)
    text = reading.text(spec["text"], spec.line_of("text"), f"{what} text") if "text" in spec else None
    return GoodbyeNode(
        id=node_id, title=_title(reading, spec, what), source=reading.src(line), lines=reading.lines(spec), text=text
    )
