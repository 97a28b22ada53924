"""Draws a menu tree as a diagram (Mermaid or Graphviz DOT), for reviews and for the people who own the line.

The drawing is built in two steps: ``build`` turns a ``Tree`` into a neutral ``Diagram`` (boxes and
arrows, in one language), and ``to_mermaid`` / ``to_dot`` only spell that out in each syntax. So
both formats always show the same thing, and the escaping rules of each live in one place.

What is drawn, and why:

- one box per node, with its id (what the config and the logs say) and its title in the chosen
  language (what callers hear); the shape tells the kind, a transfer shows the hotline's name and
  number;
- an arrow per option, labelled with its key; options with an action say it too ("1: repeat"), since
  they do not lead to a fixed node: "back" goes to a shared "previous menu" box, "end_call" to "call
  ends", "main" and "help" to those nodes, "repeat" loops;
- the language choice has one arrow per language, labelled with the key and what the caller hears;
- fallbacks (where a caller goes after too many silences or wrong keys) are dashed;
- the global keys work in every menu, so they are not drawn from every node (that would bury the
  tree under arrows to the help node): one "any menu" box carries the help key's arrow, the default
  fallback, and the other global keys as text.

Nothing here reads files or the command line; ``ivr.commands.graph`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from ivr.menu.model import GoodbyeNode, InfoNode, LanguageNode, MenuNode, Node, TransferNode, Tree

Format = Literal["mermaid", "dot"]
FORMATS: tuple[Format, ...] = ("mermaid", "dot")

# Boxes that are not nodes of the tree. Node ids match [a-z][a-z0-9_]*, so a leading "_" never clashes.
CALL = "_call"
ANY_MENU = "_any"
PREVIOUS = "_back"
HANG_UP = "_hangup"

BoxKind = Literal["language", "menu", "info", "transfer", "goodbye", "call", "global", "back", "hangup", "missing"]


@dataclass(frozen=True)
class Box:
    """One box: a node of the tree, or one of the few pseudo-boxes (start, any menu, back, hang up)."""

    id: str
    kind: BoxKind
    lines: tuple[str, ...]
    fill: str | None = None  # overrides the kind's colour (the traffic overlay's drop-off heat)


@dataclass(frozen=True)
class Arrow:
    source: str
    target: str
    label: str = ""
    dashed: bool = False
    calls: int | None = None  # callers who went this way (the traffic overlay); drawn thicker
    dotted: bool = False  # a way callers went that is not an option of the tree (global keys, back)


@dataclass(frozen=True)
class Diagram:
    """A tree as boxes and arrows in one language; what both output formats draw."""

    title: str
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]


def render(tree: Tree, fmt: Format, lang: str | None = None) -> str:
    """The tree drawn in ``fmt``, in ``lang`` (default: the tree's default language)."""
    diagram = build(tree, lang)
    if fmt == "mermaid":
        return to_mermaid(diagram)
    if fmt == "dot":
        return to_dot(diagram)
    raise ValueError(f"unknown diagram format {fmt!r}; use one of {', '.join(FORMATS)}")


# ---------------------------------------------------------------------------------------------
# The neutral drawing


def build(tree: Tree, lang: str | None = None) -> Diagram:
    """Boxes and arrows for ``tree``; works on a tree with broken references too (they show as missing)."""
    lang = lang or tree.default_language
    if lang not in tree.languages:
        raise ValueError(f"'{lang}' is not a language of {tree.file} ({', '.join(tree.languages)})")
    boxes: dict[str, Box] = {}
    arrows: list[Arrow] = []
    used: set[str] = set()  # pseudo-boxes that some arrow starts or ends at

    def title(node: Node) -> str:
        if node.title is None:
            return ""
        return node.title.get(lang) or node.title.get(tree.default_language)

    def link(source: str, target: str | None, label: str = "", dashed: bool = False) -> None:
        if target is None:
            return
        used.update(end for end in (source, target) if end.startswith("_"))
        arrows.append(Arrow(source, target, label, dashed))

    for node in tree.nodes.values():
        lines = [node.id, title(node)]
        if isinstance(node, LanguageNode):
            boxes[node.id] = Box(node.id, "language", _clean(lines))
            for choice in node.options:
                link(node.id, node.next, f"{choice.key}: {choice.label.get(choice.language)}")
        elif isinstance(node, MenuNode):
            boxes[node.id] = Box(node.id, "info" if isinstance(node, InfoNode) else "menu", _clean(lines))
            for option in node.options:
                if option.action == "goto":
                    link(node.id, option.target, option.key)
                else:
                    target = {
                        "repeat": node.id,
                        "main": tree.main_menu,
                        "help": tree.help,
                        "back": PREVIOUS,
                        "end_call": HANG_UP,
                    }[option.action]
                    link(node.id, target, f"{option.key}: {option.action}")
            if node.fallback:
                link(node.id, node.fallback, "fallback", dashed=True)
        elif isinstance(node, TransferNode):
            hotline = tree.hotlines.get(node.hotline)
            if hotline is not None:
                name = hotline.name.get(lang) or hotline.name.get(tree.default_language)
                lines.append(f"☎ {name} {hotline.number_display}")
            else:
                lines.append(f"☎ {node.hotline}")
            boxes[node.id] = Box(node.id, "transfer", _clean(lines))
        elif isinstance(node, GoodbyeNode):
            boxes[node.id] = Box(node.id, "goodbye", _clean(lines))

    link(CALL, tree.entry)
    keys = tree.defaults.keys
    if tree.help:
        link(ANY_MENU, tree.help, f"{keys.help}: help")
    if tree.defaults.fallback:
        link(ANY_MENU, tree.defaults.fallback, "fallback", dashed=True)

    pseudo = {
        CALL: Box(CALL, "call", ("call",)),
        ANY_MENU: Box(ANY_MENU, "global", ("any menu", _global_keys_line(tree))),
        PREVIOUS: Box(PREVIOUS, "back", ("previous menu",)),
        HANG_UP: Box(HANG_UP, "hangup", ("call ends",)),
    }
    ordered = [pseudo[CALL], *boxes.values()]
    ordered += [pseudo[p] for p in (ANY_MENU, PREVIOUS, HANG_UP) if p in used]
    # A target that is not a node (a tree with errors) still gets a box, so the drawing shows the gap.
    known = {box.id for box in ordered}
    for arrow in arrows:
        if arrow.target not in known:
            ordered.append(Box(arrow.target, "missing", (arrow.target, "(missing)")))
            known.add(arrow.target)
    return Diagram(title=f"{tree.file} ({lang})", boxes=tuple(ordered), arrows=tuple(arrows))


@dataclass(frozen=True)
class Traffic:
    """What callers did on a tree, as the report measured it: how many went along each pair of nodes,
    how many entered each node, and the share of those who gave up there."""

    edges: Mapping[tuple[str, str], int]
    entries: Mapping[str, int]
    drop_off: Mapping[str, float]


def with_traffic(diagram: Diagram, traffic: Traffic) -> Diagram:
    """The same drawing with caller counts on the arrows and boxes, boxes tinted by drop-off.

    A pair of nodes joined by several options (two keys to the same place) gets its count once, on
    the first arrow: the store knows where callers went, not which of the keys took them. Ways
    through that the tree draws no arrow for (the global help key, "back") are added, dotted.
    """
    remaining = dict(traffic.edges)
    arrows: list[Arrow] = []
    for arrow in diagram.arrows:
        count = remaining.pop((arrow.source, arrow.target), None)
        if count:
            label = f"{arrow.label} · {count}" if arrow.label else str(count)
            arrow = replace(arrow, label=label, calls=count)
        arrows.append(arrow)
    known = {box.id for box in diagram.boxes}
    for (source, target), count in sorted(remaining.items()):
        if source in known and target in known and count:
            arrows.append(Arrow(source, target, str(count), calls=count, dotted=True))
    boxes = []
    for box in diagram.boxes:
        if box.id in traffic.entries:
            rate = traffic.drop_off.get(box.id, 0.0)
            line = f"{traffic.entries[box.id]} callers" + (f" · {rate:.0%} gave up" if rate else "")
            box = replace(box, lines=(*box.lines, line), fill=_heat(rate))
        boxes.append(box)
    return replace(diagram, boxes=tuple(boxes), arrows=tuple(arrows))


def _heat(rate: float) -> str:
    """White for nobody giving up, deepening to red at half of the callers and above."""
    share = max(0.0, min(1.0, rate / 0.5))
    low, high = (0xFF, 0xFF, 0xFF), (0xE5, 0x73, 0x73)
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(low, high, strict=True))


def _width(calls: int | None, most: int) -> float:
    return 1.0 + 5.0 * (calls or 0) / most if most else 1.0


def _global_keys_line(tree: Tree) -> str:
    keys = tree.defaults.keys
    parts = [f"{keys.back}: back", f"{keys.repeat}: repeat"]
    if keys.end_call:
        parts.append(f"{keys.end_call}: end call")
    return ", ".join(parts)


def _clean(lines: list[str]) -> tuple[str, ...]:
    return tuple(" ".join(line.split()) for line in lines if line and line.strip())


# ---------------------------------------------------------------------------------------------
# Mermaid

# Shapes by kind: opening and closing brackets around the quoted label.
_MERMAID_SHAPES: dict[str, tuple[str, str]] = {
    "language": ("{{", "}}"),
    "menu": ("[", "]"),
    "info": ("(", ")"),
    "transfer": ("[[", "]]"),
    "goodbye": ("([", "])"),
    "call": ("((", "))"),
    "global": ("((", "))"),
    "back": (">", "]"),
    "hangup": (">", "]"),
    "missing": ("[", "]"),
}
_MERMAID_CLASSES: dict[str, str] = {
    "language": "fill:#e8eaf6,stroke:#3949ab",
    "menu": "fill:#e3f2fd,stroke:#1e88e5",
    "info": "fill:#e8f5e9,stroke:#43a047",
    "transfer": "fill:#fff3e0,stroke:#fb8c00",
    "goodbye": "fill:#fce4ec,stroke:#d81b60",
    "call": "fill:#ffffff,stroke:#616161",
    "global": "fill:#f5f5f5,stroke:#9e9e9e,stroke-dasharray:4 3",
    "back": "fill:#f5f5f5,stroke:#9e9e9e",
    "hangup": "fill:#f5f5f5,stroke:#9e9e9e",
    "missing": "fill:#ffebee,stroke:#e53935,stroke-dasharray:4 3",
}
# Characters with a meaning inside a quoted Mermaid label, written as its "#code;" entities instead:
# '"' would end the label, '#' starts an entity, '<' '>' '&' are HTML, '|' and '`' delimit edge labels
# and markdown strings.
_MERMAID_ESCAPED = frozenset('"#<>&|`')


def mermaid_text(text: str) -> str:
    """``text`` made safe inside a double-quoted Mermaid label (any script, quotes and brackets included)."""
    return "".join(f"#{ord(c)};" if c in _MERMAID_ESCAPED else c for c in " ".join(text.split()))


def mermaid_ids(diagram: Diagram) -> dict[str, str]:
    """Mermaid ids for the boxes: prefixed, so a node called ``end`` or ``graph`` (keywords) still works."""
    ids: dict[str, str] = {}
    for index, box in enumerate(diagram.boxes):
        if box.kind == "missing":
            ids[box.id] = f"m{index}"
        elif box.id.startswith("_"):
            ids[box.id] = "p" + box.id
        else:
            ids[box.id] = "n_" + box.id
    return ids


def to_mermaid(diagram: Diagram) -> str:
    """A ``flowchart`` for Markdown viewers (GitHub, GitLab) and mermaid.live."""
    ids = mermaid_ids(diagram)
    out = ["flowchart LR", f"  %% {' '.join(diagram.title.split())}"]
    for box in diagram.boxes:
        opening, closing = _MERMAID_SHAPES[box.kind]
        label = "<br/>".join(mermaid_text(line) for line in box.lines)
        out.append(f'  {ids[box.id]}{opening}"{label}"{closing}')
    most = max((arrow.calls or 0 for arrow in diagram.arrows), default=0)
    widths: list[str] = []
    for index, arrow in enumerate(diagram.arrows):
        link = "-.->" if arrow.dashed or arrow.dotted else "-->"
        label = f'|"{mermaid_text(arrow.label)}"|' if arrow.label else ""
        out.append(f"  {ids[arrow.source]} {link}{label} {ids[arrow.target]}")
        if arrow.calls:
            widths.append(f"  linkStyle {index} stroke-width:{_width(arrow.calls, most):.1f}px")
    kinds = sorted({box.kind for box in diagram.boxes})
    for kind in kinds:
        out.append(f"  classDef {kind} {_MERMAID_CLASSES[kind]}")
    for kind in kinds:
        members = ",".join(ids[box.id] for box in diagram.boxes if box.kind == kind)
        out.append(f"  class {members} {kind}")
    out += [f"  style {ids[box.id]} fill:{box.fill}" for box in diagram.boxes if box.fill]
    out += widths
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Graphviz DOT

_DOT_STYLES: dict[str, str] = {
    "language": 'shape=hexagon, style=filled, fillcolor="#e8eaf6"',
    "menu": 'shape=box, style=filled, fillcolor="#e3f2fd"',
    "info": 'shape=note, style=filled, fillcolor="#e8f5e9"',
    "transfer": 'shape=cds, style=filled, fillcolor="#fff3e0"',
    "goodbye": 'shape=octagon, style=filled, fillcolor="#fce4ec"',
    "call": "shape=circle",
    "global": 'shape=ellipse, style=dashed, color="#9e9e9e"',
    "back": 'shape=plaintext, fontcolor="#616161"',
    "hangup": 'shape=plaintext, fontcolor="#616161"',
    "missing": 'shape=box, style=dashed, color="#e53935", fontcolor="#e53935"',
}


def dot_string(text: str) -> str:
    """``text`` as a double-quoted DOT string: backslashes and quotes escaped, so no label can end early
    or turn into a Graphviz escape such as ``\\N`` (the node's name)."""
    text = " ".join(text.split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_label(lines: tuple[str, ...]) -> str:
    """Several lines as one DOT label, each escaped, joined by DOT's centred line break ``\\n``."""
    return '"' + "\\n".join(dot_string(line)[1:-1] for line in lines) + '"'


def to_dot(diagram: Diagram) -> str:
    """A ``digraph`` for Graphviz (``dot -Tsvg menu.dot -o menu.svg``)."""
    out = [
        "digraph ivr {",
        f'  graph [rankdir=LR, fontname="sans-serif", labelloc=t, label={dot_string(diagram.title)}];',
        '  node [fontname="sans-serif", fontsize=11];',
        '  edge [fontname="sans-serif", fontsize=10];',
    ]
    for box in diagram.boxes:
        fill = f', fillcolor="{box.fill}", style=filled' if box.fill else ""
        out.append(f"  {dot_string(box.id)} [label={dot_label(box.lines)}, {_DOT_STYLES[box.kind]}{fill}];")
    most = max((arrow.calls or 0 for arrow in diagram.arrows), default=0)
    for arrow in diagram.arrows:
        attrs = []
        if arrow.label:
            attrs.append(f"label={dot_string(arrow.label)}")
        if arrow.dashed:
            attrs.append("style=dashed")
        elif arrow.dotted:
            attrs.append("style=dotted")
        if arrow.calls:
            attrs.append(f"penwidth={_width(arrow.calls, most):.1f}")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        out.append(f"  {dot_string(arrow.source)} -> {dot_string(arrow.target)}{suffix};")
    out.append("}")
    return "\n".join(out) + "\n"
