"""YAML that remembers line numbers and refuses duplicate keys.

PyYAML's ``safe_load`` forgets where each value came from and silently keeps the last of two
equal keys, both fatal for a file edited by hand: a duplicated option key would simply vanish.
Here the file is composed into nodes and converted ourselves, so every mapping and list knows
its line and every key's line, and a duplicate key becomes a diagnostic.
"""

from __future__ import annotations

import itertools
import threading
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
    """A mapping from the file, with its own line and the line of each key (slots: a menu has tens of
    thousands, and an instance dict for two attributes cost more than the mapping's own)."""

    __slots__ = ("key_lines", "line")
    line: int
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    """A list from the file, with its own line and the line of each item."""

    __slots__ = ("item_lines", "line")
    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def load_yaml(text: str, file: str) -> tuple[Any, list[Diagnostic]]:
    """Parse ``text``; return the located data (or None) and any syntax or duplicate-key problems.

    A file with nothing unusual in it, as every menu an editor saves is, is built into located data
    by libyaml directly (``_built``), without a node graph. Any other file is composed into nodes,
    and the limits of ``bounded_read.check_graph`` are proven during their conversion
    (``_convert_checked``) instead of by a walk of their own over every node beforehand, which took
    longer than composing. ``load_yaml_reference`` is that walk then the conversion; all three give
    the same data and problems for every file (tests/core/test_yaml_fast_path.py)."""
    if "&" not in text:  # no anchor, so no alias: the document is a tree
        try:
            return _built(text), []
        except Refused as exc:  # out of time: what composing would say, word for word
            return None, [_refused(file, exc)]
        except Exception:  # a problem to report, or a file the fast path does not take:
            pass  # composed below, which says what it always said
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
        with _BUILDERS_SWAPPED:  # never while _built has libyaml's node classes swapped
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


# --- libyaml builds the located data itself -----------------------------------------------------------
#
# Composing a 10,000-node menu made 372,000 ``yaml.Node`` objects (each a Python ``__init__``), 560,000
# marks, and called back into Python once per node for its tag; converting then walked every node again.
# PyYAML's libyaml composer (``yaml/_yaml.pyx``, ``CParser._compose_*_node``) builds each node by calling
# the names ``ScalarNode``, ``SequenceNode`` and ``MappingNode`` of its module with
# ``(tag, value, start_mark, end_mark, style)``; it fills a list or map's ``value`` list in place after
# building it, then sets its ``end_mark``; and it takes the tag from ``self.resolve(kind, value,
# implicit)``. ``_built`` swaps those three names, for the length of one parse under a lock, for
# builders of the located data: a scalar becomes its value, a map or list a ``LocatedDict`` or
# ``LocatedList`` that fills itself when its ``end_mark`` is set, with the lines its children noted
# meanwhile. ``resolve`` becomes ``slice``, a builtin that takes the same three arguments and keeps
# them, so the scalar builder resolves the tag itself, once per distinct plain text, and libyaml calls
# into Python once per value instead of twice. Reading the 10,000-node menu's YAML went from 0.50 to
# 0.44 s of CPU; the floor, libyaml with a builder that does nothing, is 0.22 s
# (benchmarks/config_scale.py --phases, docs/performance.md).
#
# Only a file with nothing to report takes this path, and only when libyaml is there: anything else
# (a syntax error, an explicit tag, a merge key, a duplicate or non-scalar key, nesting near the limit,
# a value that cannot be converted) raises, and ``load_yaml`` composes the file as before, so every
# problem is worded and ordered as it always was. Files with an ``&`` never take it: without anchors
# there are no aliases, the document is a tree, and the values counted while building are every value
# the limits count.

_CYAML = getattr(yaml, "_yaml", None) if _FAST_LOADER is not yaml.SafeLoader else None
_BUILDERS_SWAPPED = threading.Lock()  # held while libyaml's node classes are ours, and while composing


class _NotPlain(Exception):
    """The file has something ``_built`` leaves to the composing path."""


def _built(text: str) -> Any:
    """The located data of a plain-data YAML document, built by libyaml without nodes; ``_NotPlain``
    (or the parser's own error) for anything else, ``Refused`` past the time budget.

    Every list or map keeps the line of each of its children in ``lines`` while it is the one
    libyaml is filling (its parent's waits on ``stack``): a scalar adds its own line and returns its
    value; a list or map adds its line to its parent's, and fills itself when libyaml sets its
    ``end_mark``. Its children are counted then, for the limits."""
    if _CYAML is None:
        raise _NotPlain
    every, max_depth, max_values = bounded_read.CHECK_EVERY, bounded_read.MAX_DEPTH, bounded_read.MAX_VALUES
    check = bounded_read.check_progress
    resolver = yaml.SafeLoader("")
    resolve_plain, construct = resolver.resolve, resolver.construct_object
    node = yaml.ScalarNode
    tags: dict[str, str] = {}  # a plain scalar's tag depends only on its text
    lines: list[int] = []  # the line of each child so far of the list or map being filled
    add_line = lines.append
    stack: list[list[int]] = []
    counted = 1  # values so far: the document, and the children of every list and map filled
    next_check = every

    def scalar(tag: Any, value: str, start_mark: Any, end_mark: Any, style: Any) -> Any:
        add_line(start_mark.line + 1)
        if type(tag) is not slice:  # an explicit tag: libyaml did not ask for a resolution
            raise _NotPlain
        if tag.step[0]:  # plain (unquoted)
            resolved = tags.get(value)
            if resolved is None:
                resolved = tags[value] = resolve_plain(node, value, tag.step)
            if resolved != STR_TAG:
                if resolved in (MERGE_TAG, VALUE_TAG):
                    raise _NotPlain
                return construct(node(resolved, value, start_mark, end_mark, style), deep=True)
        return value

    def opened(tag: Any, line: int) -> None:
        nonlocal lines, add_line
        if type(tag) is not slice:
            raise _NotPlain
        add_line(line)
        stack.append(lines)
        if len(stack) >= max_depth:
            raise _NotPlain  # the composing path finds the line the limit is passed at
        lines = []
        add_line = lines.append

    def closed() -> list[int]:
        """The lines of the children of the list or map just completed; its parent's become current."""
        nonlocal lines, add_line, counted, next_check
        own = lines
        lines = stack.pop()
        add_line = lines.append
        counted += len(own)
        if counted >= next_check:
            if counted > max_values:
                raise _NotPlain  # refused by the composing path, in its words
            check(counted)  # the time budget
            next_check = counted + every
        return own

    class Mapping(LocatedDict):
        __slots__ = ()  # a LocatedDict's layout, so that it can become one

        def __init__(self, tag: Any, pairs: list, start_mark: Any, _end: Any, _style: Any) -> None:
            self.line = line = start_mark.line + 1
            opened(tag, line)
            self.key_lines = pairs  # for now: libyaml fills the list after this returns

        @property
        def end_mark(self) -> None:
            return None

        @end_mark.setter
        def end_mark(self, _mark: Any) -> None:  # the map is complete
            own = closed()
            pairs = self.key_lines
            self.update(pairs)  # a list or map as a key is unhashable: TypeError, for the composing path
            if len(self) != len(pairs):
                raise _NotPlain  # a duplicate key: reported by the composing path
            self.key_lines = dict(zip(self, own[::2], strict=True))
            self.__class__ = LocatedDict

    class Sequence(LocatedList):
        __slots__ = ()

        def __init__(self, tag: Any, items: list, start_mark: Any, _end: Any, _style: Any) -> None:
            self.line = line = start_mark.line + 1
            opened(tag, line)
            self.item_lines = items  # for now, as for a map

        @property
        def end_mark(self) -> None:
            return None

        @end_mark.setter
        def end_mark(self, _mark: Any) -> None:
            self.extend(self.item_lines)
            self.item_lines = closed()
            self.__class__ = LocatedList

    loader = _FAST_LOADER(text)
    loader.resolve = slice  # type: ignore[assignment]
    loader.descend_resolver = slice  # type: ignore[assignment]
    loader.ascend_resolver = tuple  # type: ignore[assignment]
    with _BUILDERS_SWAPPED:
        saved = _CYAML.ScalarNode, _CYAML.SequenceNode, _CYAML.MappingNode
        _CYAML.ScalarNode, _CYAML.SequenceNode, _CYAML.MappingNode = scalar, Sequence, Mapping
        try:
            return loader.get_single_node()
        finally:
            _CYAML.ScalarNode, _CYAML.SequenceNode, _CYAML.MappingNode = saved
            loader.dispose()


_PROBE = 'a: [1, "two", {b: ~, "c": [x, y]}]\nd:\n  e: yes\n  f: 2026-12-03\n"g": [[], {}]\n'


def _builders_work() -> bool:
    """Whether this PyYAML's libyaml composer still builds nodes the way ``_built`` relies on (the three
    names, the lists filled in place, ``end_mark`` set last): a small document read both ways at import.
    A composer that changed would otherwise hand back half-built maps, not an error."""

    def shape(value: Any) -> Any:
        if isinstance(value, LocatedDict):
            return type(value), value.line, [(k, value.key_lines[k], shape(v)) for k, v in value.items()]
        if isinstance(value, LocatedList):
            return type(value), value.line, value.item_lines, [shape(v) for v in value]
        return type(value), value

    try:
        return shape(_built(_PROBE)) == shape(_convert_reference(_compose(_PROBE), "probe")[0])
    except Exception:  # the composer is not what it was: the composing path reads every file
        return False


if _CYAML is not None and not _builders_work():
    _CYAML = None
