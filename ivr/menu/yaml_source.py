"""YAML that remembers line numbers and refuses duplicate keys.

PyYAML's ``safe_load`` forgets where each value came from and silently keeps the last of two
equal keys, both fatal for a file edited by hand: a duplicated option key would simply vanish.
Here the file is composed into nodes and converted ourselves, so every mapping and list knows
its line and every key's line, and a duplicate key becomes a diagnostic.
"""

from __future__ import annotations

import itertools
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
    """libyaml's composer with the per-node Python hooks made as cheap as they can be.

    libyaml calls back into Python three times for every node it composes: ``resolve`` (its tag),
    ``descend_resolver`` and ``ascend_resolver``. Those two only serve path resolvers, which the
    safe loaders do not have, so they are bound to builtins that take the same arguments and do
    nothing (``slice``, ``tuple``). ``resolve`` is a closure over local variables (no attribute
    look-ups) that counts values for the limits and remembers the tag of each plain scalar: a menu
    says the same few hundred words (``kind``, ``zh-CN``, ``goto``, node ids) thousands of times,
    and a scalar's tag depends only on its text when it is plain (``implicit[0]``); any other
    scalar is a string, as ``BaseResolver.resolve`` decides without path resolvers. Together a
    third less time than the inherited hooks for the 10,000-node menu.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        counter = itertools.count(1)
        every = bounded_read.CHECK_EVERY
        check = bounded_read.check_progress
        tags: dict[str, str] = {}
        resolve_plain = super().resolve
        scalar, mapping = yaml.ScalarNode, yaml.MappingNode
        mapping_tag, sequence_tag = self.DEFAULT_MAPPING_TAG, self.DEFAULT_SEQUENCE_TAG

        def resolve(kind: type[yaml.Node], value: Any, implicit: Any) -> str:
            values = next(counter)  # every node passes here: the only hook into libyaml's composing loop
            if not values % every:
                check(values)
            if kind is scalar:
                if implicit[0]:
                    tag = tags.get(value)
                    if tag is None:
                        tag = tags[value] = resolve_plain(kind, value, implicit)
                    return tag
                return STR_TAG
            return mapping_tag if kind is mapping else sequence_tag

        self.resolve = resolve  # type: ignore[method-assign]
        self.descend_resolver = slice  # type: ignore[assignment]
        self.ascend_resolver = tuple  # type: ignore[assignment]

    def dispose(self) -> None:
        """``yaml.compose`` is done: the hook refers to this loader, a cycle the collector need not find."""
        super().dispose()
        del self.resolve


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
    """Parse ``text``; return the located data (or None) and any syntax or duplicate-key problems.

    The limits of ``bounded_read.check_graph`` are proven during the conversion itself
    (``_convert_checked``) instead of by a walk of their own over every node beforehand, which took
    longer than composing; ``load_yaml_reference`` is that walk then the conversion, and gives the
    same data and problems for every file (tests/core/test_yaml_fast_path.py)."""
    root, problems = _composed(text, file)
    if root is None:
        return None, problems
    try:
        return _convert_checked(text, root, file)
    except Refused as exc:
        return None, [_refused(file, exc)]
    except _Unusual:  # nothing was changed yet: the graph as composed is the reference's
        return _checked_then_converted(root, file)


def load_yaml_reference(text: str, file: str) -> tuple[Any, list[Diagnostic]]:
    """``load_yaml`` the straightforward way: the limits checked on the whole graph, then the conversion.

    What a file with merge keys (``<<``) is read by, and what the fast path is tested against."""
    root, problems = _composed(text, file)
    if root is None:
        return None, problems
    return _checked_then_converted(root, file)


def _checked_then_converted(root: yaml.Node, file: str) -> tuple[Any, list[Diagnostic]]:
    try:
        bounded_read.check_graph(root)  # before anything is expanded: cycles, depth, alias bombs
    except Refused as exc:
        return None, [_refused(file, exc)]
    return _convert_reference(root, file)


def _composed(text: str, file: str) -> tuple[yaml.Node | None, list[Diagnostic]]:
    """The node graph, or the syntax error or refusal that stopped composing."""
    try:
        return _compose(text), []
    except Refused as exc:
        return None, [_refused(file, exc)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(exc, "problem", None) or str(exc)
        # libyaml's own nesting limit (1,000 levels) is met before ours: say ours
        message = DEEP if "nesting depth" in what else f"the file is not valid YAML: {what}{QUOTE_TIP}"
        return None, [Diagnostic(Source(file, line), "error", message)]


def _refused(file: str, exc: Refused) -> Diagnostic:
    return Diagnostic(Source(file, exc.line), "error", exc.message)


def _duplicate(file: str, key: Any, line: int, first: int) -> Diagnostic:
    return Diagnostic(
        Source(file, line),
        "error",
        f"'{key}' appears twice in this section (first at line {first}); remove or rename one",
    )


def _key_not_scalar(file: str, line: int) -> Diagnostic:
    return Diagnostic(Source(file, line), "error", "a key cannot be a list or map")


class _Unusual(Exception):
    """A merge key (``<<``) or value key (``=``): PyYAML rewrites such a mapping in place while
    converting it, which the fast path does not do (its limits are those of the graph as composed)."""


MERGE_TAG = "tag:yaml.org,2002:merge"
VALUE_TAG = "tag:yaml.org,2002:value"


def _convert_checked(text: str, root: yaml.Node, file: str) -> tuple[Any, list[Diagnostic]]:
    """The located data of ``root``, refused (``Refused``) exactly when ``check_graph`` refuses it.

    A document in which no node is met twice is a tree: it has no cycle, its aliases add nothing,
    and its depth and size are counted while converting. So ``check_graph`` runs only when that
    cannot be proven: when a list or map is met a second time (an alias; before it is expanded, so
    a bomb costs no more than the file), when a list or map is more than ``MAX_DEPTH`` deep (before
    going deeper, so a cycle cannot recurse), and at the end when a scalar was met twice, when a
    value was skipped (a duplicate key's) or when more than ``MAX_VALUES`` values were converted.
    Its refusal then is the reference's, word for word: the graph is unchanged (``_Unusual``)."""
    problems: list[Diagnostic] = []
    report = problems.append
    visits: list[yaml.Node] = []
    visit = visits.append
    collections: set[yaml.Node] = set()
    add_collection = collections.add
    checked = False  # whether check_graph has passed
    skipped = False  # whether some value was left unconverted
    max_depth = bounded_read.MAX_DEPTH
    scalar, mapping = yaml.ScalarNode, yaml.MappingNode
    construct = yaml.SafeLoader("").construct_object

    def convert(node: yaml.Node, level: int) -> Any:
        nonlocal checked, skipped
        visit(node)
        kind = type(node)
        if kind is scalar:  # most nodes; they need no line of their own
            if node.tag == STR_TAG:
                return node.value  # what construct_object returns for a string, without its bookkeeping
            return construct(node, deep=True)
        if not checked and (level >= max_depth or node in collections):
            bounded_read.check_graph(root)  # refuses a cycle, a bomb, too deep; passes aliases within limits
            checked = True
        add_collection(node)
        line = node.start_mark.line + 1
        inner = level + 1
        # A string scalar inside is taken in place (most values are): the same as convert(child, inner),
        # without a call for each.
        if kind is mapping:
            result = LocatedDict()
            result.line = line
            key_lines = result.key_lines = {}
            for key_node, value_node in node.value:
                tag = key_node.tag
                if tag == STR_TAG and type(key_node) is scalar:
                    visit(key_node)
                    key = key_node.value
                elif tag in (MERGE_TAG, VALUE_TAG):
                    raise _Unusual
                else:
                    key = convert(key_node, inner)
                key_line = key_node.start_mark.line + 1
                if isinstance(key, (dict, list)):
                    report(_key_not_scalar(file, key_line))
                    skipped = True
                elif key in result:
                    report(_duplicate(file, key, key_line, key_lines[key]))
                    skipped = True
                else:
                    if value_node.tag == STR_TAG and type(value_node) is scalar:
                        visit(value_node)
                        result[key] = value_node.value
                    else:
                        result[key] = convert(value_node, inner)
                    key_lines[key] = key_line
            return result
        items = LocatedList()  # a SequenceNode: the only other kind
        item_lines = []
        for item in node.value:
            if item.tag == STR_TAG and type(item) is scalar:
                visit(item)
                items.append(item.value)
            else:
                items.append(convert(item, inner))
            item_lines.append(item.start_mark.line + 1)
        items.line = line
        items.item_lines = item_lines
        return items

    try:
        data = convert(root, 0)
    except (Refused, _Unusual):
        raise
    except Exception:  # the reference converts only a graph that passed: its refusal comes first
        if not checked:
            bounded_read.check_graph(root)
        raise
    if not checked and (
        skipped or len(visits) > bounded_read.MAX_VALUES or ("&" in text and len(set(visits)) != len(visits))
    ):
        bounded_read.check_graph(root)  # an alias needs an anchor (&name): without one no scalar repeats
    return data, problems


def _convert_reference(root: yaml.Node, file: str) -> Any:
    """PyYAML's nodes to located dicts and lists, merge keys applied; ``root`` has passed ``check_graph``."""
    problems: list[Diagnostic] = []
    constructor = yaml.SafeLoader("")

    def convert(node: yaml.Node) -> Any:
        kind = type(node)
        if kind is yaml.ScalarNode:
            if node.tag == STR_TAG:
                return node.value
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
                    problems.append(_key_not_scalar(file, key_line))
                    continue
                if key in result:
                    problems.append(_duplicate(file, key, key_line, result.key_lines[key]))
                    continue
                result[key] = convert(value_node)
                result.key_lines[key] = key_line
            return result
        items = LocatedList()
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
