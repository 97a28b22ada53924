"""``ivr graph`` and ``ivr.menu.diagram``: what is drawn, and that both syntaxes are valid whatever the texts say.

DOT is checked by Graphviz itself (``dot -Tsvg`` must accept it, and ``dot -Tjson`` must read back every
label exactly as written, quotes, brackets and Chinese included). Mermaid has no offline checker here,
so its output is parsed line by line against the small grammar it uses: a ``flowchart`` header, node
declarations, edges, comments and classes, every id declared once and every edge end declared.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ivr.cli import main
from ivr.menu.diagram import ANY_MENU, HANG_UP, PREVIOUS, Arrow, Diagram, build, mermaid_ids, to_dot, to_mermaid
from ivr.menu.loader import check_file
from ivr.menu.model import Tree

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CLEAN = FIXTURES / "clean.yaml"
EXAMPLE = Path(__file__).resolve().parent.parent / "menus" / "examples" / "minimal.yaml"

# Texts that break naive escaping in one syntax or the other.
HOSTILE_ZH = '主菜单 "甲" [1] #2 <b>|x`\\y'
HOSTILE_EN = 'Main "menu" (1) {x} #3; a|b \\N end'
HOSTILE_HOTLINE = 'JD "Pay" <i>'


def load(path: Path) -> Tree:
    tree, diagnostics = check_file(path)
    assert tree is not None, diagnostics
    return tree


def edited(tmp_path: Path, replacements: list[tuple[str, str]]) -> Tree:
    text = CLEAN.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "menu.yaml"
    path.write_text(text, encoding="utf-8")
    tree, diagnostics = check_file(path)
    assert tree is not None and not [d for d in diagnostics if d.severity == "error"], diagnostics
    return tree


@pytest.fixture
def hostile(tmp_path: Path) -> Tree:
    """The clean tree with texts full of quotes, brackets, entities and backslashes, and a node called ``end``
    (a Mermaid keyword)."""
    yaml_zh = HOSTILE_ZH.replace("'", "''")
    yaml_en = HOSTILE_EN.replace("'", "''")
    return edited(
        tmp_path,
        [
            ("    title: {zh-CN: 主菜单, en-US: main menu}", f"    title: {{zh-CN: '{yaml_zh}', en-US: '{yaml_en}'}}"),
            (
                "    name: {zh-CN: 京东支付, en-US: JD Pay}",
                f"    name: {{zh-CN: 京东支付, en-US: '{HOSTILE_HOTLINE}'}}",
            ),
            ("goodbye_numbers", "end"),
        ],
    )


# ---------------------------------------------------------------------------------------------
# Mermaid, parsed

_SHAPES = {"{{": "}}", "[[": "]]", "([": "])", "((": "))", "[": "]", "(": ")", ">": "]"}
_NODE = re.compile(
    r'  (?P<id>[A-Za-z][A-Za-z0-9_]*)(?P<open>\{\{|\[\[|\(\[|\(\(|\[|\(|>)"(?P<label>[^"]*)"(?P<close>.*)'
)
_EDGE = re.compile(r'  (?P<source>[A-Za-z]\w*) (?P<link>-->|-\.->)(?:\|"(?P<label>[^"]*)"\|)? (?P<target>[A-Za-z]\w*)')
_OTHER = re.compile(r"  (%% .*|classDef [a-z]+ [^;]+|class [A-Za-z0-9_,]+ [a-z]+)")


def _decode(label: str) -> str:
    return re.sub(r"#(\d+);", lambda m: chr(int(m[1])), label)


def parse_mermaid(text: str) -> tuple[dict[str, list[str]], list[tuple[str, str, str, bool]]]:
    """Node labels (as lines) by id, and edges, from a Mermaid flowchart; fails on any line outside the grammar."""
    lines = text.splitlines()
    assert lines[0] in ("flowchart LR", "flowchart TD")
    nodes: dict[str, list[str]] = {}
    edges = []
    for line in lines[1:]:
        if match := _NODE.fullmatch(line):
            assert match["close"] == _SHAPES[match["open"]], line
            assert match["id"] not in nodes, f"{match['id']} declared twice"
            assert match["id"] not in ("end", "graph", "subgraph", "class", "style", "click"), line
            nodes[match["id"]] = [_decode(part) for part in match["label"].split("<br/>")]
        elif match := _EDGE.fullmatch(line):
            label = _decode(match["label"]) if match["label"] is not None else ""
            edges.append((match["source"], match["target"], label, match["link"] == "-.->"))
        else:
            assert _OTHER.fullmatch(line), f"not Mermaid flowchart syntax this test knows: {line!r}"
    for source, target, _, _ in edges:
        assert source in nodes and target in nodes, f"edge {source} -> {target} has an undeclared end"
    return nodes, edges


@pytest.mark.parametrize("lang", ["zh-CN", "en-US"])
def test_mermaid_of_the_example_is_well_formed(lang: str) -> None:
    tree = load(EXAMPLE)
    diagram = build(tree, lang)
    nodes, edges = parse_mermaid(to_mermaid(diagram))
    ids = mermaid_ids(diagram)
    assert {ids[node_id] for node_id in tree.nodes} <= set(nodes)
    assert len(nodes) == len(diagram.boxes) and len(edges) == len(diagram.arrows)
    assert nodes[ids["main"]] == ["main", tree.nodes["main"].title[lang]]


def test_mermaid_escapes_every_text(hostile: Tree) -> None:
    for lang, title in (("zh-CN", HOSTILE_ZH), ("en-US", HOSTILE_EN)):
        diagram = build(hostile, lang)
        nodes, _ = parse_mermaid(to_mermaid(diagram))
        ids = mermaid_ids(diagram)
        assert nodes[ids["main"]] == ["main", title]
        assert ids["end"] != "end"
    nodes, _ = parse_mermaid(to_mermaid(build(hostile, "en-US")))
    assert f"☎ {HOSTILE_HOTLINE} 400-606-5500" in nodes[mermaid_ids(build(hostile))["to_jdpay"]]


# ---------------------------------------------------------------------------------------------
# DOT, checked by Graphviz

DOT = shutil.which("dot")
needs_graphviz = pytest.mark.skipif(DOT is None, reason="Graphviz is not installed: run scripts/setup.sh")


def _graphviz(fmt: str, source: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DOT or "dot", f"-T{fmt}"], input=source, capture_output=True, text=True, timeout=60)


def _dot_unescape(text: str) -> list[str]:
    """A label as Graphviz stores it (``\\n`` line breaks, ``\\\\`` backslashes) back to its lines."""
    lines, current, chars = [], "", iter(text)
    for char in chars:
        if char == "\\":
            char = next(chars)
            if char == "n":
                lines.append(current)
                current = ""
                continue
        current += char
    return [*lines, current]


@needs_graphviz
@pytest.mark.parametrize("lang", ["zh-CN", "en-US"])
def test_dot_of_the_example_is_accepted_by_graphviz(lang: str) -> None:
    result = _graphviz("svg", to_dot(build(load(EXAMPLE), lang)))
    assert result.returncode == 0, result.stderr
    assert "<svg" in result.stdout


@needs_graphviz
def test_dot_labels_read_back_exactly(hostile: Tree) -> None:
    for lang, title in (("zh-CN", HOSTILE_ZH), ("en-US", HOSTILE_EN)):
        source = to_dot(build(hostile, lang))
        assert _graphviz("svg", source).returncode == 0
        result = _graphviz("json", source)
        assert result.returncode == 0, result.stderr
        labels = {o["name"]: _dot_unescape(o["label"]) for o in json.loads(result.stdout)["objects"]}
        assert labels["main"] == ["main", title]
        assert "end" in labels
    assert labels["to_jdpay"][-1] == f"☎ {HOSTILE_HOTLINE} 400-606-5500"


# ---------------------------------------------------------------------------------------------
# What is drawn


def _arrows(diagram: Diagram) -> set[tuple[str, str, str, bool]]:
    return {(a.source, a.target, a.label, a.dashed) for a in diagram.arrows}


def test_boxes_carry_id_title_and_kind() -> None:
    diagram = build(load(CLEAN))
    boxes = {box.id: box for box in diagram.boxes}
    assert {box.kind for box in boxes.values()} >= {"language", "menu", "info", "transfer", "goodbye"}
    assert boxes["main"].lines == ("main", "主菜单")
    assert (boxes["refunds"].kind, boxes["welcome"].kind, boxes["goodbye_numbers"].kind) == (
        "info",
        "language",
        "goodbye",
    )
    assert boxes["to_jdpay"].lines == ("to_jdpay", "京东支付客服", "☎ 京东支付 400-606-5500")
    english = {box.id: box for box in build(load(CLEAN), "en-US").boxes}
    assert english["main"].lines == ("main", "main menu")
    assert len(boxes) == len(diagram.boxes)  # one box per node


def test_arrows_carry_keys_actions_and_language_choices() -> None:
    arrows = _arrows(build(load(CLEAN)))
    assert {
        ("welcome", "main", "1: 普通话服务", False),
        ("welcome", "main", "2: English", False),
        ("main", "refunds", "1", False),
        ("refunds", "refunds", "1: repeat", False),
        ("refunds", "main", "3: main", False),
        ("agents", "to_jdpay", "2", False),
    } <= arrows


def test_the_help_key_is_drawn_once_and_fallbacks_are_dashed() -> None:
    tree = load(CLEAN)
    diagram = build(tree)
    into_help = [a for a in diagram.arrows if a.target == tree.help]
    assert [a for a in into_help if "help" in a.label] == [Arrow(ANY_MENU, "agents", "0: help")]
    assert all(a.dashed == (a.label == "fallback") for a in diagram.arrows)
    assert Arrow(ANY_MENU, "goodbye_numbers", "fallback", dashed=True) in diagram.arrows


def test_back_end_call_and_a_menus_own_fallback(tmp_path: Path) -> None:
    tree = edited(
        tmp_path,
        [
            ('      - {key: "1", action: repeat}', '      - {key: "1", action: back}'),
            ('      - {key: "3", action: main}', '      - {key: "3", action: end_call}'),
            ('en-US: "Which wallet do you use?"}\n', 'en-US: "Which wallet do you use?"}\n    fallback: to_alipay\n'),
        ],
    )
    diagram = build(tree)
    assert {
        ("refunds", PREVIOUS, "1: back", False),
        ("refunds", HANG_UP, "3: end_call", False),
        ("agents", "to_alipay", "fallback", True),
    } <= _arrows(diagram)
    assert [box.id for box in diagram.boxes].count(PREVIOUS) == 1
    parse_mermaid(to_mermaid(diagram))


def test_a_target_that_is_not_a_node_is_drawn_as_missing() -> None:
    tree, _ = check_file(FIXTURES / "broken" / "unknown_target.yaml")
    assert tree is not None
    diagram = build(tree)
    assert [box.lines for box in diagram.boxes if box.kind == "missing"] == [("refundz", "(missing)")]
    parse_mermaid(to_mermaid(diagram))


def test_an_undeclared_language_is_refused() -> None:
    with pytest.raises(ValueError, match="'fr-FR' is not a language"):
        build(load(CLEAN), "fr-FR")


# ---------------------------------------------------------------------------------------------
# The command: ivr graph


def test_cli_writes_the_chosen_format_and_language(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "menu.dot"
    assert main(["graph", str(CLEAN), "--format", "dot", "--lang", "en-US", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("digraph ivr {") and '"main" [label="main\\nmain menu"' in text
    assert capsys.readouterr().out == ""
    assert main(["graph", str(CLEAN)]) == 0  # mermaid on stdout, in the default language
    nodes, _ = parse_mermaid(capsys.readouterr().out)
    assert nodes["n_main"] == ["main", "主菜单"]


def test_cli_refuses_a_file_with_errors(capsys: pytest.CaptureFixture[str]) -> None:
    broken = FIXTURES / "broken" / "unknown_target.yaml"
    assert main(["graph", str(broken)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{broken}:132: error: option '1' targets 'refundz'" in captured.err  # the goto: line


def test_cli_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "menus/nope.yaml"]) == 2
    assert "menus/nope.yaml: no such file" in capsys.readouterr().err
    assert main(["graph", str(CLEAN), "--lang", "fr-FR"]) == 2
    assert "'fr-FR' is not a language" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["graph", str(CLEAN), "--format", "svg"])
    assert exit_info.value.code == 2
