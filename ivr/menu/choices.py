"""Where each key of a menu leads, and which keys are worth telling the caller about.

Every key works in every menu, but a caller listening to a menu should hear each place once:
"back" at the main menu (there is no level above), "back" in a topic whose own option already
returns there, or "help" right after "for customer service, press 5" only lengthen the menu and
make the caller wonder what the difference is. So a menu announces its options, then each global
key that leads somewhere none of the announced keys already leads. The keys dropped from the
announcement still do what they always do when pressed (ISO/IEC 13714: they work everywhere).

The destinations are worked out from the file alone, so the spoken menu is one fixed text per node
(the audio build renders it once) and the validator can point at options that duplicate each other.
"back" follows the call's trail, so it is known here only where every way in comes from one menu;
a node reached from several places (the help node, a shared sub-menu) keeps "back" announced, as it
returns the caller to wherever they were.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.menu.model import GlobalAction, MenuNode, Node, Option, Source, Tree

END = "\x00end"  # the call ends: no node has this id (ids are plain names)
PREVIOUS = "\x00previous"  # back, where the way back depends on how the caller got here
ANNOUNCED_GLOBALS: tuple[GlobalAction, ...] = ("repeat", "back", "help")
"""The global keys a menu names after its options, in this order. ``end_call`` works everywhere but
is not announced: a caller can always hang up, and each extra sentence costs every caller time."""


@dataclass(frozen=True)
class Choice:
    """One key a caller hears in a menu: an option (``option`` set) or a global key (``action`` set)."""

    key: str
    leads_to: str  # a node id, END or PREVIOUS
    option: Option | None = None
    action: GlobalAction | None = None

    @property
    def source(self) -> Source | None:
        return self.option.source if self.option is not None else None


def parents(tree: Tree) -> dict[str, frozenset[str]]:
    """For each node, the menus with an option that goes there: the ways in by a key press."""
    return tree.derived("parents", _parents)


def _parents(tree: Tree) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for node in tree.nodes.values():
        if isinstance(node, MenuNode):
            for option in node.options:
                if option.action == "goto" and option.target:
                    found.setdefault(option.target, set()).add(node.id)
    return {target: frozenset(menus) for target, menus in found.items()}


def back_leads_to(tree: Tree, node: Node) -> str:
    """Where "back" takes a caller from ``node``: the node itself at the main menu (the call flow
    says the menu again: there is no level above), the one menu that leads here, or PREVIOUS."""
    if node.id == tree.main_menu:
        return node.id
    ways_in = parents(tree).get(node.id, frozenset())
    if node.id == tree.help or len(ways_in) != 1:
        return PREVIOUS  # the help node is reached from every menu; so is a node with several parents
    return next(iter(ways_in))


def global_leads_to(tree: Tree, node: Node, action: str) -> str:
    """Where a global action (or an option with that action) takes a caller from ``node``."""
    if action == "repeat":
        return node.id
    if action == "back":
        return back_leads_to(tree, node)
    if action == "help":
        return tree.help if tree.help is not None and tree.help in tree.nodes else node.id
    if action == "main":
        return tree.main_menu
    return END  # end_call


def option_leads_to(tree: Tree, node: Node, option: Option) -> str:
    if option.action == "goto":
        return option.target or tree.main_menu
    return global_leads_to(tree, node, option.action)


def announced(tree: Tree, node: Node) -> list[Choice]:
    """The keys a caller hears in ``node``, in order: every option, then the global keys that lead
    somewhere new (at a transfer's short menu: the global keys only). A global key that goes where
    an option (or an earlier global key) already goes is left out of the announcement only.

    Worked out once per node of a tree and kept with it (``Tree.derived``): the validator, the checks
    of how each menu sounds in every language and each webhook answer ask for the same choices."""
    kept = tree.derived("announced", _by_node)
    choices = kept.get(node.id)
    if choices is None or choices[0] is not node:  # a node of another tree, with this one's id: not kept
        choices = (node, tuple(_announced(tree, node)))
        if tree.nodes.get(node.id) is node:
            kept[node.id] = choices
    return list(choices[1])


def _by_node(_tree: Tree) -> dict[str, tuple[Node, tuple[Choice, ...]]]:
    return {}


def _announced(tree: Tree, node: Node) -> list[Choice]:
    options = node.options if isinstance(node, MenuNode) else ()
    heard = [Choice(o.key, option_leads_to(tree, node, o), option=o) for o in options]
    places = {c.leads_to for c in heard}
    keys = tree.defaults.keys
    for action in ANNOUNCED_GLOBALS:
        key = getattr(keys, action)
        place = global_leads_to(tree, node, action)
        if key is None or place in places:
            continue
        heard.append(Choice(key, place, action=action))
        places.add(place)
    return heard


def same_place_options(tree: Tree, node: MenuNode) -> list[tuple[Option, Option]]:
    """Pairs (earlier, later) of options of ``node`` that lead to the same place (a help option in a
    file with no help node is an error of its own, not a duplicate)."""
    first: dict[str, Option] = {}
    pairs = []
    for option in node.options:
        if option.action == "help" and tree.help not in tree.nodes:
            continue
        place = option_leads_to(tree, node, option)
        if place in first:
            pairs.append((first[place], option))
        else:
            first[place] = option
    return pairs
