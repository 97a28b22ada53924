"""Checks a loaded tree as a phone line: every path leads somewhere, every key is usable.

The loader checks each piece on its own; this module checks how the pieces fit: targets that
do not exist, nodes nobody can reach, keys that clash with the global keys, menus a caller
cannot leave. It reads the model only, so it is as fast as the tree is large (10,000 nodes
validate in well under a second). How the tree *sounds* (prompts too long to listen to, options
with nothing to call them) needs the call layer's sentences: ``ivr.call.checks`` adds that.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping

from ivr.menu.diagnostics import Diagnostic, did_you_mean
from ivr.menu.model import (
    GoodbyeNode,
    LanguageNode,
    MenuNode,
    Node,
    Reprompts,
    Source,
    TransferNode,
    Tree,
)

MAX_OPTIONS = 9


def validate(
    tree: Tree,
    broken_nodes: Iterable[str] = (),
    broken_hotlines: Iterable[str] = (),
    ref_lines: Mapping[str, int] | None = None,
) -> list[Diagnostic]:
    """Every graph-level problem of ``tree``. Nodes in ``broken_nodes`` and hotlines in ``broken_hotlines``
    failed to load: they count as existing, so one typo does not cascade into "unknown target" errors
    elsewhere. ``ref_lines`` gives the lines of ``entry``, ``main_menu``, ``help`` and the ``defaults
    fallback`` (the model keeps no line for them), so their problems point at the line to change."""
    checks = _Checks(tree, frozenset(broken_nodes), frozenset(broken_hotlines), dict(ref_lines or {}))
    return list(checks.run())


class _Checks:
    def __init__(
        self,
        tree: Tree,
        broken: frozenset[str],
        broken_hotlines: frozenset[str] = frozenset(),
        ref_lines: dict[str, int] | None = None,
    ):
        self.tree = tree
        self.broken = broken
        self.broken_hotlines = broken_hotlines
        self.ref_lines = ref_lines or {}

    def ref_source(self, what: str, default: Source) -> Source:
        line = self.ref_lines.get(what)
        return Source(self.tree.file, line) if line else default

    def error(self, source: Source, message: str) -> Diagnostic:
        return Diagnostic(source, "error", message)

    def warning(self, source: Source, message: str) -> Diagnostic:
        return Diagnostic(source, "warning", message)

    def exists(self, node_id: str | None) -> bool:
        return node_id in self.tree.nodes or node_id in self.broken

    def unknown(self, source: Source, what: str, node_id: str) -> Diagnostic:
        hint = did_you_mean(node_id, [*self.tree.nodes, *self.broken])
        return self.error(source, f"{what} '{node_id}', which is not a node{hint}")

    def run(self) -> Iterator[Diagnostic]:
        tree = self.tree
        top = Source(tree.file, 1)
        for what, node_id in (
            ("entry", tree.entry),
            ("main_menu", tree.main_menu),
            ("help", tree.help),
            ("defaults fallback", tree.defaults.fallback),
        ):
            if node_id and not self.exists(node_id):
                default = tree.defaults.source if "fallback" in what else top
                yield self.unknown(self.ref_source(what, default), f"{what} names", node_id)
        if tree.entry in tree.nodes and not isinstance(tree.nodes[tree.entry], LanguageNode | MenuNode):
            yield self.error(self.ref_source("entry", top), f"entry '{tree.entry}' must be a language choice or a menu")
        yield from self.unheard_reprompts(tree.defaults.reprompts, "defaults reprompts", tree.defaults.source)
        if tree.defaults.fallback in tree.nodes:
            source = self.ref_source("defaults fallback", tree.defaults.source)
            yield from self.fallback_kind(source, tree.defaults.fallback)
        for node in tree.nodes.values():
            yield from self.node(node)
        yield from self.reachability()
        yield from self.hotline_use()

    def fallback_kind(self, source: Source, node_id: str) -> Iterator[Diagnostic]:
        # A fallback that is itself a menu could send a silent caller round in circles forever.
        if not isinstance(self.tree.nodes[node_id], GoodbyeNode | TransferNode):
            yield self.error(source, f"fallback '{node_id}' must be a goodbye or transfer node, so the call can end")

    def node(self, node: Node) -> Iterator[Diagnostic]:
        tree = self.tree
        if isinstance(node, LanguageNode):
            if not self.exists(node.next):
                yield self.unknown(node.source, f"node '{node.id}' next is", node.next)
            yield from self.duplicate_keys(node, [(o.key, o.source) for o in node.options])
            for option in node.options:
                if option.key == "#":
                    yield self.error(option.source, "option '#' cannot be used: '#' ends input (ISO/IEC 13714)")
            for lang in tree.language_codes:
                if lang not in {o.language for o in node.options}:
                    yield self.error(node.source, f"node '{node.id}' offers no option for {lang}")
        elif isinstance(node, MenuNode):
            yield from self.menu(node)
        elif (
            isinstance(node, TransferNode)
            and node.hotline not in tree.hotlines
            and node.hotline not in self.broken_hotlines
        ):
            yield self.error(
                node.source,
                f"node '{node.id}' transfers to hotline '{node.hotline}', which is not a hotline"
                f"{did_you_mean(node.hotline, [*tree.hotlines, *self.broken_hotlines])}",
            )

    def menu(self, node: MenuNode) -> Iterator[Diagnostic]:
        tree = self.tree
        what = f"node '{node.id}'"
        global_keys = tree.defaults.keys.global_keys()
        for option in node.options:
            if option.action == "goto" and not self.exists(option.target):
                yield self.unknown(option.source, f"option '{option.key}' targets", option.target or "")
            if option.key in global_keys:
                yield self.error(
                    option.source,
                    f"option '{option.key}' clashes with the global '{global_keys[option.key]}' key; pick another key",
                )
            if option.key == "#":
                yield self.error(option.source, "option '#' cannot be used: '#' ends input (ISO/IEC 13714)")
            if option.action == "help" and tree.help is None:
                yield self.error(option.source, f"option '{option.key}' asks for help, but the file names no help node")
        yield from self.duplicate_keys(node, [(o.key, o.source) for o in node.options])
        if len(node.options) > MAX_OPTIONS:
            yield self.error(
                node.source,
                f"{what} has {len(node.options)} options; a phone menu can offer at most "
                f"{MAX_OPTIONS}: split it into sub-menus",
            )
        if not any(o.action != "repeat" and o.target != node.id for o in node.options):
            yield self.error(node.source, f"{what} has no way out: give it an option that leads to another node")
        if node.fallback is not None:
            if not self.exists(node.fallback):
                yield self.unknown(node.source, f"{what} fallback is", node.fallback)
            elif node.fallback in tree.nodes:
                yield from self.fallback_kind(node.source, node.fallback)
        elif tree.defaults.fallback is None:
            yield self.error(node.source, f"{what} has no fallback, and defaults name none")
        yield from self.ambiguous_keywords(node)
        yield from self.unheard_reprompts(node.reprompts, f"{what} reprompts", node.source)

    def duplicate_keys(self, node: Node, keys: list[tuple[str, Source]]) -> Iterator[Diagnostic]:
        first: dict[str, Source] = {}
        for key, source in keys:
            if key in first:
                yield self.error(
                    source,
                    f"node '{node.id}' uses key '{key}' twice (first at line {first[key].line});"
                    " give each option its own key",
                )
            else:
                first[key] = source

    def unheard_reprompts(self, reprompts: Reprompts, what: str, source: Source) -> Iterator[Diagnostic]:
        """With max_no_input 3 a caller hears at most two reprompts: the third silence is the fallback."""
        for kind, cap in (("no_input", self.tree.defaults.max_no_input), ("no_match", self.tree.defaults.max_no_match)):
            texts = getattr(reprompts, kind)
            if len(texts) > cap - 1:
                where = texts[cap - 1].source if cap - 1 < len(texts) else source
                yield self.warning(
                    where,
                    f"{what} {kind} #{cap} and later are never heard: after {cap} attempts (max_{kind}) "
                    "the caller goes to the fallback",
                )

    def ambiguous_keywords(self, node: MenuNode) -> Iterator[Diagnostic]:
        for lang in self.tree.language_codes:
            counts = Counter(word.casefold() for o in node.options if o.keywords for word in set(o.keywords[lang]))
            for word, count in sorted(counts.items()):
                if count > 1:
                    yield self.warning(
                        node.source,
                        f"node '{node.id}': the {lang} keyword '{word}' belongs to "
                        f"{count} options, so saying it chooses none",
                    )

    def successors(self, node: Node) -> Iterator[str]:
        tree = self.tree
        if isinstance(node, LanguageNode):
            yield node.next
        if isinstance(node, MenuNode):
            for option in node.options:
                if option.action == "goto" and option.target:
                    yield option.target
            fallback = node.fallback or tree.defaults.fallback
            if fallback:
                yield fallback
        if isinstance(node, LanguageNode | MenuNode | TransferNode):
            # Every place that listens for keys offers the global help key and "main menu".
            if tree.help:
                yield tree.help
            yield tree.main_menu

    def reachability(self) -> Iterator[Diagnostic]:
        tree = self.tree
        if tree.entry not in tree.nodes:
            return
        seen = {tree.entry}
        queue = deque([tree.entry])
        while queue:
            node = tree.nodes.get(queue.popleft())
            if node is None:
                continue
            for target in self.successors(node):
                if target in self.broken:
                    # A reachable node that failed to load may lead anywhere once fixed: calling the
                    # nodes below it unreachable would bury its one real error under false ones, so
                    # reachability waits for the next run, after that error is fixed.
                    return
                if target in tree.nodes and target not in seen:
                    seen.add(target)
                    queue.append(target)
        for node_id, node in tree.nodes.items():
            if node_id not in seen:
                yield self.error(
                    node.source,
                    f"node '{node_id}' cannot be reached from the entry '{tree.entry}':"
                    " link it from a menu or remove it",
                )

    def hotline_use(self) -> Iterator[Diagnostic]:
        used = {n.hotline for n in self.tree.nodes.values() if isinstance(n, TransferNode)}
        for hotline_id, hotline in self.tree.hotlines.items():
            if hotline_id not in used:
                yield self.warning(hotline.source, f"hotline '{hotline_id}' is never used by a transfer node")
