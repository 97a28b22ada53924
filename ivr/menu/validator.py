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

from ivr.menu.choices import END, PREVIOUS, announced, option_leads_to, same_place_options
from ivr.menu.diagnostics import Diagnostic, closest
from ivr.menu.model import (
    GoodbyeNode,
    LanguageNode,
    LanguageOption,
    MenuNode,
    Node,
    Option,
    Reprompts,
    Source,
    TransferNode,
    Tree,
)

MAX_OPTIONS = 9
MAX_HEARD = 7  # choices a caller can keep in mind from one hearing (options and the global keys named)
NAMES_IN_A_NOTE = 5  # a note lists this many node ids, then "…"


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
    return checks.run()


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
        # Each reference to a missing node that looks like a typo: (its error, the node it probably meant).
        # The nodes only that one would reach are a note under its error, not errors of their own.
        self.typos: list[tuple[Diagnostic, str]] = []
        self.global_keys = tree.defaults.keys.global_keys()  # the same for every menu

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
        meant = closest(node_id, [*self.tree.nodes, *self.broken])
        hint = f" (did you mean '{meant}'?)" if meant else ""
        diagnostic = self.error(source, f"{what} '{node_id}', which is not a node{hint}")
        if meant in self.tree.nodes:
            self.typos.append((diagnostic, meant))
        return diagnostic

    def run(self) -> list[Diagnostic]:
        found = list(self.graph())
        unreachable = list(self.reachability())
        notes = self.cascade(unreachable)
        found = [notes.get(id(d), d) for d in found]
        return found + list(self.unreached_roots(unreachable)) + list(self.hotline_use())

    def graph(self) -> Iterator[Diagnostic]:
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

    def fallback_kind(self, source: Source, node_id: str) -> Iterator[Diagnostic]:
        # A fallback that is itself a menu could send a silent caller round in circles forever.
        if not isinstance(self.tree.nodes[node_id], GoodbyeNode | TransferNode):
            yield self.error(source, f"fallback '{node_id}' must be a goodbye or transfer node, so the call can end")

    def node(self, node: Node) -> Iterator[Diagnostic]:
        tree = self.tree
        if isinstance(node, LanguageNode):
            if not self.exists(node.next):
                yield self.unknown(node.at("next"), f"node '{node.id}' next is", node.next)
            yield from self.duplicate_keys(node, node.options)
            for option in node.options:
                if option.key == "#":
                    yield self.error(option.at("key"), "option '#' cannot be used: '#' ends input (ISO/IEC 13714)")
            for lang in tree.language_codes:
                if lang not in {o.language for o in node.options}:
                    yield self.error(node.at("options"), f"node '{node.id}' offers no option for {lang}")
        elif isinstance(node, MenuNode):
            yield from self.menu(node)
        elif (
            isinstance(node, TransferNode)
            and node.hotline not in tree.hotlines
            and node.hotline not in self.broken_hotlines
        ):
            meant = closest(node.hotline, [*tree.hotlines, *self.broken_hotlines])
            yield self.error(
                node.at("hotline"),
                f"node '{node.id}' transfers to hotline '{node.hotline}', which is not a hotline"
                + (f" (did you mean '{meant}'?)" if meant else ""),
            )

    def menu(self, node: MenuNode) -> Iterator[Diagnostic]:
        tree = self.tree
        what = f"node '{node.id}'"
        global_keys = self.global_keys
        for option in node.options:
            if option.action == "goto" and not self.exists(option.target):
                yield self.unknown(option.at("goto"), f"option '{option.key}' targets", option.target or "")
            if option.key in global_keys:
                yield self.error(
                    option.at("key"),
                    f"option '{option.key}' clashes with the global '{global_keys[option.key]}' key; pick another key",
                )
            if option.key == "#":
                yield self.error(option.at("key"), "option '#' cannot be used: '#' ends input (ISO/IEC 13714)")
            if option.action == "help" and tree.help is None:
                yield self.error(
                    option.at("action"), f"option '{option.key}' asks for help, but the file names no help node"
                )
        yield from self.duplicate_keys(node, node.options)
        if len(node.options) > MAX_OPTIONS:
            yield self.error(
                node.at("options"),
                f"{what} has {len(node.options)} options; a phone menu can offer at most "
                f"{MAX_OPTIONS}: split it into sub-menus",
            )
        if not any(o.action != "repeat" and o.target != node.id for o in node.options):
            yield self.error(node.at("options"), f"{what} has no way out: give it an option that leads to another node")
        if node.fallback is not None:
            if not self.exists(node.fallback):
                yield self.unknown(node.at("fallback"), f"{what} fallback is", node.fallback)
            elif node.fallback in tree.nodes:
                yield from self.fallback_kind(node.at("fallback"), node.fallback)
        elif tree.defaults.fallback is None:
            yield self.error(node.source, f"{what} has no fallback, and defaults name none")
        yield from self.ambiguous_keywords(node)
        yield from self.same_place(node)
        yield from self.too_many_heard(node)
        yield from self.unheard_reprompts(node.reprompts, f"{what} reprompts", node.source)

    def too_many_heard(self, node: MenuNode) -> Iterator[Diagnostic]:
        """More choices than a caller remembers after one hearing: the first are forgotten by the last."""
        if len(node.options) > MAX_OPTIONS:
            return  # an error of its own
        heard = announced(self.tree, node)
        if len(heard) > MAX_HEARD:
            options = sum(1 for c in heard if c.option is not None)
            yield self.warning(
                node.at("options"),
                f"node '{node.id}' announces {len(heard)} choices ({options} options and {len(heard) - options} "
                f"global keys); callers keep about {MAX_HEARD} in mind: move some options to a sub-menu",
            )

    def same_place(self, node: MenuNode) -> Iterator[Diagnostic]:
        """Two announced keys for one place: the caller hears a choice that is no choice, and wonders."""
        for earlier, later in same_place_options(self.tree, node):
            place = option_leads_to(self.tree, node, later)
            where = {END: "end the call", PREVIOUS: "go back"}.get(place, f"lead to '{place}'")
            yield self.warning(
                later.at("key"),
                f"options '{earlier.key}' and '{later.key}' of node '{node.id}' both {where}; "
                "callers hear two keys for one place: keep one",
            )

    def duplicate_keys(self, node: Node, options: Iterable[Option | LanguageOption]) -> Iterator[Diagnostic]:
        first: dict[str, Option | LanguageOption] = {}
        for option in options:
            key = option.key
            if key in first:
                yield self.error(
                    option.at("key"),
                    f"node '{node.id}' uses key '{key}' twice (first at line {first[key].at('key').line});"
                    " give each option its own key",
                )
            else:
                first[key] = option

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
            said = [word.casefold() for o in node.options if o.keywords for word in set(o.keywords[lang])]
            if len(set(said)) == len(said):
                continue  # every keyword belongs to one option (most menus): nothing to count
            counts = Counter(said)
            for word, count in sorted(counts.items()):
                if count > 1:
                    # At the second option that has it: the first one had it first.
                    having = [o for o in node.options if o.keywords and word in map(str.casefold, o.keywords[lang])]
                    yield self.warning(
                        having[1].at("keywords"),
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

    def reachability(self) -> Iterator[str]:
        """The nodes a call from the entry can never reach, in file order (none while a reachable node is
        broken, or the entry is missing)."""
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
        yield from (node_id for node_id in tree.nodes if node_id not in seen)

    def below(self, start: str, among: set[str]) -> list[str]:
        """``start`` and every node of ``among`` it leads to, in the order a walk from it finds them."""
        found, queue = [start], deque([start])
        among = among - {start}
        while queue:
            for target in self.successors(self.tree.nodes[queue.popleft()]):
                if target in among:
                    among.discard(target)
                    found.append(target)
                    queue.append(target)
        return found

    def cascade(self, unreachable: list[str]) -> dict[int, Diagnostic]:
        """Each typo'd reference whose intended node is unreachable gets, as a note, the nodes it cuts off;
        they are removed from ``unreachable``. Returns the annotated diagnostics by id of the original."""
        left = set(unreachable)
        annotated: dict[int, Diagnostic] = {}
        for diagnostic, meant in self.typos:
            if meant not in left:
                continue
            cut_off = self.below(meant, left)
            left -= set(cut_off)
            note = f"…and {_nodes(len(cut_off))} below it can't be reached until this is fixed: {_names(cut_off)}"
            annotated[id(diagnostic)] = annotated.get(id(diagnostic), diagnostic).with_note(note)
        unreachable[:] = [n for n in unreachable if n in left]
        return annotated

    def unreached_roots(self, unreachable: list[str]) -> Iterator[Diagnostic]:
        """One error per part of the tree nobody reaches, at its top node: the nodes below it are a note
        (linking the top node fixes them all)."""
        tree = self.tree
        left = set(unreachable)
        has_parent = {t for n in unreachable for t in self.successors(tree.nodes[n]) if t in left and t != n}
        order = [n for n in unreachable if n not in has_parent] + [n for n in unreachable if n in has_parent]
        for node_id in order:  # tops first; then whatever is left of a cycle nobody enters
            if node_id not in left:
                continue
            group = self.below(node_id, left)
            left -= set(group)
            diagnostic = self.error(
                tree.nodes[node_id].source,
                f"node '{node_id}' cannot be reached from the entry '{tree.entry}': link it from a menu or remove it",
            )
            if len(group) > 1:
                diagnostic = diagnostic.with_note(
                    f"…and {_nodes(len(group) - 1)} below it can't be reached either: {_names(group[1:])}"
                )
            yield diagnostic

    def hotline_use(self) -> Iterator[Diagnostic]:
        if self.broken:
            return  # a node that failed to load may be the transfer that uses it: wait until it is fixed
        used = {n.hotline for n in self.tree.nodes.values() if isinstance(n, TransferNode)}
        for hotline_id, hotline in self.tree.hotlines.items():
            if hotline_id not in used:
                yield self.warning(hotline.source, f"hotline '{hotline_id}' is never used by a transfer node")


def _nodes(count: int) -> str:
    return "1 node" if count == 1 else f"{count} nodes"


def _names(node_ids: list[str]) -> str:
    shown = ", ".join(node_ids[:NAMES_IN_A_NOTE])
    return shown + (", …" if len(node_ids) > NAMES_IN_A_NOTE else "")
