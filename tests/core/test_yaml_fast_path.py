"""The fast YAML path reads every file exactly as the straightforward one does (issue 17, config scale).

``load_yaml`` proves the reading limits while it converts instead of walking the whole graph first
(``load_yaml_reference``). An editor must not be able to tell: the same data, the same lines, the same
problems and the same refusals, for the shipped menus, every broken fixture, the generated large
menus and the inputs that probe the limits (aliases, merge keys, bombs, cycles, depth).
"""

from __future__ import annotations

import threading
import types
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.config_scale import generate
from ivr.call.checks import check_menu
from ivr.menu import bounded_read, loader, yaml_source
from ivr.menu.bounded_read import MAX_DEPTH
from ivr.menu.yaml_source import LocatedDict, LocatedList, load_yaml, load_yaml_reference

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    [
        *(ROOT / "menus").rglob("*.yaml"),
        *(ROOT / "tests" / "fixtures").rglob("*.yaml"),
    ]
)


def located(value: Any) -> Any:
    """The data with every line it carries, in a form ``==`` compares whole."""
    if isinstance(value, LocatedDict):
        return ("map", value.line, [(k, value.key_lines[k], located(v)) for k, v in value.items()])
    if isinstance(value, LocatedList):
        return ("list", value.line, value.item_lines, [located(v) for v in value])
    return (type(value).__name__, value)


def same_reading(text: str) -> tuple[Any, list[str]]:
    fast, fast_problems = load_yaml(text, "m.yaml")
    reference, reference_problems = load_yaml_reference(text, "m.yaml")
    assert [str(p) for p in fast_problems] == [str(p) for p in reference_problems]
    assert located(fast) == located(reference)
    return fast, [str(p) for p in fast_problems]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_and_fixture_file_reads_the_same(path, monkeypatch):
    same_reading(path.read_text(encoding="utf-8"))
    tree, diagnostics = check_menu(path)
    monkeypatch.setattr(loader, "load_yaml", load_yaml_reference)
    assert check_menu(path) == (tree, diagnostics)


@pytest.mark.parametrize("nodes", [100, 1000])
def test_generated_menus_read_the_same(nodes, tmp_path, monkeypatch):
    path = tmp_path / "menu.yaml"
    path.write_text(generate(nodes), encoding="utf-8")
    same_reading(path.read_text(encoding="utf-8"))
    tree, diagnostics = check_menu(path)
    assert tree is not None and len(tree.nodes) == nodes
    monkeypatch.setattr(loader, "load_yaml", load_yaml_reference)
    assert check_menu(path) == (tree, diagnostics)


BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    "text",
    [
        "a: &p {zh-CN: 你好, en-US: Hello}\nb: *p\nc: [*p, *p]\n",  # aliases within the allowance
        "a: &s word\nb: [" + ", ".join(["*s"] * 20_000) + "]\n",  # scalar aliases over the allowance
        "a: &a [" + ", ".join(["x"] * 1000) + "]\nb: [" + ", ".join(["*a"] * 20) + "]\n",
        BOMB,
        "x: &l [*l]\n",  # a recursive alias
        "x: &m {a: *m}\n",
        "a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n",  # one level too deep
        "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n",  # exactly deep enough
        "base: &b {x: 1, y: 2}\nnode: {<<: *b, y: 3}\nlist: {<<: [*b, {z: 4}]}\n",  # merge keys
        "a: {<<: {x: 1}}\n",
        "=: value\nb: 1\n",  # a value key
        "a: 1\nb: 2\na: 3\n",  # a duplicate key
        "? [x]\n: 1\nb: {c: 2, c: {d: 3}}\n",  # a list as a key, a duplicate with a map value
        "a: &k key\n*k : 1\nkey: 2\n",
        "d: 2027-02-06\nt: 2026-12-31 09:00:00\nn: ~\nb: yes\ni: 0x1f\nf: 1.5\ns: !!str 12\nq: '12'\n",
        "Q&A: {zh-CN: 问答, en-US: Q&A}\n",  # an ampersand that is no anchor
        "[a, b, {c: [d, e]}]\n",
        "plain\n",
    ],
)
def test_limits_and_odd_inputs_read_the_same(text):
    same_reading(text)


def test_a_tree_with_more_values_than_allowed_is_refused_the_same(monkeypatch):
    monkeypatch.setattr(bounded_read, "MAX_VALUES", 5000)
    # explicit tags bypass the composer's count, so the conversion's count is what refuses it
    data, problems = same_reading("[" + ", ".join(["!!str a"] * 6000) + "]\n")
    assert data is None and len(problems) == 1 and "more than 5,000 values" in problems[0]


def outcome(read: Any, text: str) -> Any:
    try:
        data, problems = read(text, "m.yaml")
    except Exception as exc:  # what check_bytes turns into "the file could not be checked"
        return "raised", type(exc).__name__, str(exc)
    return located(data), [str(p) for p in problems]


@pytest.mark.parametrize(
    "text",
    [
        "[!x a]\n",  # no constructor for the tag
        "a: !x a\n" + BOMB,  # the bomb is refused, though the value before it cannot be converted
        "z: [!x a, " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "]\n",
        "d: 2027-02-30\n",  # no such day
    ],
)
def test_a_value_that_cannot_be_converted_fails_the_same(text):
    assert outcome(load_yaml, text) == outcome(load_yaml_reference, text)


# --- libyaml building the data itself (yaml_source._built) -------------------------------------------

PLAIN_FILES = [p for p in FILES if "&" not in p.read_text(encoding="utf-8")]


def built_or_none(text: str) -> Any:
    try:
        return located(yaml_source._built(text))
    except Exception:
        return None


@pytest.mark.parametrize("path", PLAIN_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_file_libyaml_builds_directly_is_the_file_composed(path):
    """A file without anchors is built without nodes when it has nothing to report; either way what
    ``load_yaml`` returns is the composed reading."""
    text = path.read_text(encoding="utf-8")
    _data, problems = same_reading(text)
    direct = built_or_none(text)
    if direct is not None:
        assert direct == located(load_yaml_reference(text, "m.yaml")[0])
    assert direct is not None or problems or "could not" in str(path) or "broken" in str(path)


def test_generated_menus_are_built_without_nodes(monkeypatch):
    """The 10,000-node benchmark's kind of file takes the fast path (not the composing one)."""
    text = generate(300)
    reference = located(load_yaml_reference(text, "m.yaml")[0])
    monkeypatch.setattr(yaml_source, "_composed", None)  # calling it would fail the test
    data, problems = load_yaml(text, "m.yaml")
    assert problems == [] and located(data) == reference


def test_libyaml_keeps_its_own_node_classes_after_a_file_it_could_not_build():
    """The swap lasts one parse: after a duplicate key (left to the composing path) and after a syntax
    error, PyYAML's C loader composes ordinary nodes again."""
    for text in ("a: 1\na: 2\n", "a: [1, 2\n", "a: !x b\n"):
        assert outcome(load_yaml, text) == outcome(load_yaml_reference, text)  # "!x": no constructor, raised
        node = yaml.compose("a: [1, {b: c}]\n", Loader=yaml.CSafeLoader)
        assert type(node) is yaml.MappingNode and type(node.value[0][1]) is yaml.SequenceNode


def test_threads_reading_at_once_each_get_their_own_file():
    """The service reloads a menu while the CLI or another worker thread reads one: the builders are
    swapped under a lock, so neither sees the other's nodes or data."""
    texts = [generate(60), "a: &x [1, 2]\nb: *x\n" + generate(40).replace("&", "and")]
    expected = [located(load_yaml_reference(t, "m.yaml")[0]) for t in texts]
    failures: list[str] = []

    def read(index: int) -> None:
        for _ in range(15):
            if located(load_yaml(texts[index], "m.yaml")[0]) != expected[index]:
                failures.append(f"text {index}")

    threads = [threading.Thread(target=read, args=(i % 2,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


SCALARS = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["yes", "no", "on", "~", "null", "1_000", "0o17", "0x1f", "1e3", ".inf", "2026-12-03", "<<", "="]),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
KEYS = st.one_of(st.text(max_size=8), st.integers(0, 99), st.booleans())
DOCUMENTS = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4), max_leaves=25
)


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS, st.booleans(), st.sampled_from([None, '"', "'"]))
def test_any_document_is_read_as_the_composing_path_reads_it(data, flow, quotes):
    """Random data written in block or flow style, plain or quoted, as PyYAML writes it: the fast
    path's data and lines are the reference's (and so are the problems, when it gives up)."""
    text = yaml.safe_dump(data, default_flow_style=flow, default_style=quotes, allow_unicode=True, width=40)
    same_reading(text)
    direct = built_or_none(text)
    if direct is not None and "&" not in text:
        assert direct == located(load_yaml_reference(text, "m.yaml")[0])


def test_the_fast_path_is_on_here_and_off_where_libyaml_composes_otherwise(monkeypatch):
    """The installed PyYAML passes the import-time probe (so the fast path is really used); a composer
    without the names it swaps fails it, and would leave every file to the composing path."""
    assert yaml_source._CYAML is not None and yaml_source._builders_work()
    monkeypatch.setattr(yaml_source, "_CYAML", types.SimpleNamespace())
    assert not yaml_source._builders_work()
