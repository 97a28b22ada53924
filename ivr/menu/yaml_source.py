"""YAML that remembers line numbers and refuses duplicate keys.

PyYAML's ``safe_load`` forgets where each value came from and silently keeps the last of two
equal keys, both fatal for a file edited by hand: a duplicated option key would simply vanish.
Here the file is composed into nodes and converted ourselves, so every mapping and list knows
its line and every key's line, and a duplicate key becomes a diagnostic.
"""

from __future__ import annotations

from typing import Any

import yaml

from ivr.menu import bounded_read
from ivr.menu.bounded_read import Refused
from ivr.menu.diagnostics import Diagnostic
from ivr.menu.model import Source

# libyaml's parser when PyYAML was built with it: the pure-Python scanner needs ~18 s for a
# 10,000-node menu (benchmarks/config_scale.py), libyaml a tenth of that. Same nodes, same line marks,
# same tag resolution (both use PyYAML's Python resolver). Only the wording of syntax errors differs,
# so a file libyaml rejects is parsed again by the Python loader, which says what it always said.
_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
STR_TAG = "tag:yaml.org,2002:str"


class COMPOSER(_FAST_LOADER):  # type: ignore[misc, valid-type]
    """Remembers the tag of each plain scalar it has resolved: a menu says the same few hundred words
    (``kind``, ``zh-CN``, ``goto``, node ids) thousands of times, and the resolver's regular
    expressions were a third of composing. A scalar's tag depends only on its text and style here
    (the safe loaders have no path resolvers)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._scalar_tags: dict[tuple[str, tuple[bool, bool]], str] = {}
        self._values = 0

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        self._values += 1  # every node passes here: the only hook into libyaml's composing loop
        if not self._values % bounded_read.CHECK_EVERY:
            bounded_read.check_progress(self._values)
        if kind is yaml.MappingNode:  # without path resolvers, what the base class returns too
            return self.DEFAULT_MAPPING_TAG
        if kind is yaml.SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG
        key = (value, implicit)
        tag = self._scalar_tags.get(key)
        if tag is None:
            tag = self._scalar_tags[key] = super().resolve(kind, value, implicit)
        return tag


QUOTE_TIP = " (tip: put a text in double quotes when it contains : , ? # { } [ ] or starts with * & ! or a quote)"


class LocatedDict(dict):
    """A mapping from the file, with its own line and the line of each key."""

    line: int
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    """A list from the file, with its own line and the line of each item."""

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def load_yaml(text: str, file: str) -> tuple[Any, list[Diagnostic]]:
    """Parse ``text``; return the located data (or None) and any syntax or duplicate-key problems."""
    problems: list[Diagnostic] = []
    try:
        root = _compose(text)
        if root is not None:
            bounded_read.check_graph(root)  # before anything is expanded: cycles, depth, alias bombs
    except Refused as exc:
        return None, [Diagnostic(Source(file, exc.line), "error", exc.message)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(exc, "problem", None) or str(exc)
        # libyaml's own nesting limit (1,000 levels) is met before ours: say ours
        message = DEEP if "nesting depth" in what else f"the file is not valid YAML: {what}{QUOTE_TIP}"
        problems.append(Diagnostic(Source(file, line), "error", message))
        return None, problems
    if root is None:
        return None, problems
    constructor = yaml.SafeLoader("")

    def convert(node: yaml.Node) -> Any:
        kind = type(node)
        if kind is yaml.ScalarNode:  # most nodes; they need no line of their own
            if node.tag == STR_TAG:
                return node.value  # what construct_object returns for a string, without its bookkeeping
            return constructor.construct_object(node, deep=True)
        line = node.start_mark.line + 1
        if kind is yaml.MappingNode:
            result = LocatedDict()
            result.line = line
            result.key_lines = {}
            constructor.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = convert(key_node)
                key_line = key_node.start_mark.line + 1
                if isinstance(key, (dict, list)):
                    problems.append(Diagnostic(Source(file, key_line), "error", "a key cannot be a list or map"))
                    continue
                if key in result:
                    problems.append(
                        Diagnostic(
                            Source(file, key_line),
                            "error",
                            f"'{key}' appears twice in this section (first at line {result.key_lines[key]});"
                            " remove or rename one",
                        )
                    )
                    continue
                result[key] = convert(value_node)
                result.key_lines[key] = key_line
            return result
        items = LocatedList()  # a SequenceNode: compose makes no other kinds
        items.line = line
        items.item_lines = []
        for item in node.value:
            items.append(convert(item))
            items.item_lines.append(item.start_mark.line + 1)
        return items

    return convert(root), problems


def _compose(text: str) -> yaml.Node | None:
    """The document's node graph. A file libyaml rejects is composed again by the Python loader for its
    familiar wording, unless that one fails otherwise (it recurses, so deep nesting is a
    ``RecursionError`` there): then libyaml's own message stands. Both count values for the limits."""
    try:
        return yaml.compose(text, Loader=COMPOSER)
    except RecursionError:  # only without libyaml: the Python composer recurses once per level
        raise Refused(DEEP) from None
    except yaml.YAMLError as fast:
        if _FAST_LOADER is yaml.SafeLoader or "nesting depth" in str(fast):
            raise  # the Python loader would only recurse into a RecursionError, slowly
        try:
            return yaml.compose(text, Loader=_WORDED)
        except RecursionError:
            raise fast from None


DEEP = f"the file nests more than {bounded_read.MAX_DEPTH} levels deep; a menu needs about 8"


class _WORDED(yaml.SafeLoader):
    """PyYAML's Python loader, counting values for the limits as ``COMPOSER`` does."""

    _values = 0

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        self._values += 1
        if not self._values % bounded_read.CHECK_EVERY:
            bounded_read.check_progress(self._values)
        return super().resolve(kind, value, implicit)
