"""Each reading limit of a menu file (``ivr.menu.bounded_read``), as ``ivr validate`` and the service meet it.

Every input here once hung, stalled or crashed the line (issue 13): a FIFO blocked every worker, a
50 MB file stalled a webhook 11 s, an alias bomb took 40 s and 4 GB, a recursive alias or deep
nesting raised ``RecursionError``, ``kind: []`` raised "unhashable". Each must now be one error
naming the file and line, found quickly, and ``ivr validate`` must exit 1 without a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest

from ivr.call.checks import check_menu
from ivr.commands.validate import validate_files
from ivr.menu import bounded_read, read_nodes
from ivr.menu.bounded_read import MAX_DEPTH, MAX_FILE_BYTES, Refused, read_bytes, time_budget
from ivr.menu.yaml_source import load_yaml

ROOT = Path(__file__).resolve().parents[2]
WALLET = ROOT / "menus" / "wallet.yaml"
FAST = 1.0  # seconds: what "refused quickly" means here, on a shared 2-core machine

# The "billion laughs": nine aliases of nine aliases of ..., 9**9 values from 600 bytes.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def errors_of(path: Path) -> list[str]:
    tree, diagnostics = check_menu(path)
    assert tree is None or any(d.severity == "error" for d in diagnostics)
    return [str(d) for d in diagnostics if d.severity == "error"]


def validate(path: Path) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    code = validate_files([path], out=out, err=err)
    return code, out.getvalue() + err.getvalue()


def timed(path: Path) -> tuple[list[str], float]:
    started = time.monotonic()
    found = errors_of(path)
    return found, time.monotonic() - started


# --- the file itself ----------------------------------------------------------------------------------


def test_a_fifo_is_refused_without_blocking_and_validate_says_so(tmp_path):
    fifo = tmp_path / "menu.yaml"
    os.mkfifo(fifo)  # nobody ever writes to it: reading it would wait forever
    run = subprocess.run(
        [sys.executable, "-m", "ivr", "validate", str(fifo)], capture_output=True, text=True, timeout=30, cwd=ROOT
    )
    assert run.returncode == 1
    assert f"{fifo}:1: error: the menu path is a FIFO (named pipe), not a regular file" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_a_device_and_a_folder_are_refused(tmp_path):
    assert "is a character device, not a regular file" in errors_of(Path("/dev/null"))[0]
    assert "is a folder, not a regular file" in errors_of(tmp_path)[0]


def test_a_50_mb_file_is_refused_by_its_size_before_it_is_read(tmp_path):
    big = tmp_path / "menu.yaml"
    with big.open("wb") as out:
        out.truncate(50 * 1024 * 1024)
    found, seconds = timed(big)
    assert found == [
        f"{big}:1: error: the file is 52,428,800 bytes; a menu file may be at most 8,388,608 bytes (8 MiB)"
    ]
    assert seconds < FAST


def test_a_file_larger_than_it_claims_is_cut_at_the_limit():
    # /proc files say they are 0 bytes long: only reading finds out, and reading stops one byte past the cap
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0
    with pytest.raises(Refused, match=r"at most 100 bytes \(.*\).*|grew while being read"):
        read_bytes(status, limit=100)
    assert len(read_bytes(WALLET)) == WALLET.stat().st_size < MAX_FILE_BYTES


def test_a_missing_file_and_a_file_that_is_not_utf8(tmp_path):
    assert errors_of(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}:1: error: no such file"]
    latin1 = tmp_path / "menu.yaml"
    latin1.write_bytes(b"languages:\n  zh-CN: caf\xe9\n")
    assert errors_of(latin1) == [
        f"{latin1}:2: error: cannot read the file: it is not UTF-8 text (invalid continuation byte at byte 23)"
    ]


# --- the parsed document ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line",
    [
        ("x-loop: &l [*l]\n", 1),
        ("languages: {}\nnodes: &n\n  a: {next: *n}\n", 2),
        ("a: 1\nb: &m\n  <<: *m\n", 2),  # a merge key that merges its own map
    ],
    ids=["list", "map", "merge-key"],
)
def test_a_recursive_alias_is_one_error_at_its_anchor(tmp_path, text, line):
    menu = tmp_path / "menu.yaml"
    menu.write_text(text, encoding="utf-8")
    found, seconds = timed(menu)
    assert found == [
        f"{menu}:{line}: error: the value anchored here (&name) contains an alias (*name) of itself: a recursive alias"
    ]
    assert seconds < FAST


def test_an_alias_bomb_is_refused_before_it_is_expanded(tmp_path):
    menu = tmp_path / "menu.yaml"
    menu.write_text(BOMB, encoding="utf-8")
    found, seconds = timed(menu)
    assert len(found) == 1 and "aliases (*name) expanded" in found[0] and "alias bomb" in found[0]
    assert found[0].startswith(f"{menu}:")
    assert seconds < FAST


def test_aliases_may_add_only_as_much_as_the_file_writes_out(tmp_path):
    # 1,005 values written out, a list of 1,001 aliased 20 times: 20,020 more, over max(10,000, 1,005)
    text = "a: &a [" + ", ".join(["x"] * 1000) + "]\nb: [" + ", ".join(["*a"] * 20) + "]\n"
    data, problems = load_yaml(text, "menu.yaml")
    assert data is None
    assert [str(p) for p in problems] == [
        "menu.yaml:1: error: aliases (*name) expand the file's 1,005 values to 21,025; they may add at most 10,000"
        " (an alias bomb?)"
    ]
    # the shipped menu shares its prompts through aliases, well within the allowance
    tree, diagnostics = check_menu(WALLET)
    assert tree is not None and not [d for d in diagnostics if d.severity == "error"]


@pytest.mark.parametrize("style", ["flow", "block"])
def test_3000_levels_of_nesting_are_one_error_not_a_recursion_error(tmp_path, style):
    menu = tmp_path / "menu.yaml"
    if style == "flow":
        menu.write_text("[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    else:
        menu.write_text("".join(" " * i + "a:\n" for i in range(3000)) + " " * 3000 + "x\n", encoding="utf-8")
    found, seconds = timed(menu)
    assert len(found) == 1 and f"nests more than {MAX_DEPTH} levels deep" in found[0]
    assert seconds < FAST


def test_the_depth_limit_is_exact():
    def nested(depth: int) -> str:
        return "a: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"  # the map is a level too

    assert load_yaml(nested(MAX_DEPTH), "m.yaml")[1] == []
    assert [p.message for p in load_yaml(nested(MAX_DEPTH + 1), "m.yaml")[1]] == [
        f"the file nests more than {MAX_DEPTH} levels deep here; a menu needs about 8"
    ]


def test_too_many_values_stop_composing(monkeypatch):
    monkeypatch.setattr(bounded_read, "MAX_VALUES", 5000)
    data, problems = load_yaml("[" + ", ".join(["x"] * 20_000) + "]\n", "m.yaml")
    assert data is None and [p.message for p in problems] == [
        "the file holds more than 5,000 values; a menu needs a few thousand"
    ]


def test_composing_stops_at_the_time_budget():
    text = "[" + ", ".join(["x"] * 20_000) + "]\n"
    with time_budget(0.0):
        data, problems = load_yaml(text, "m.yaml")
    assert data is None and [p.message for p in problems] == ["reading the file took longer than its time budget (0 s)"]
    assert load_yaml(text, "m.yaml")[1] == []  # the budget ends with its block


# --- values of the wrong type, and the checks themselves ---------------------------------------------


@pytest.mark.parametrize("value", ["[]", "{}"])
def test_a_list_or_map_as_a_kind_is_an_error_at_its_line(tmp_path, value):
    text = WALLET.read_text(encoding="utf-8")
    line = text[: text.index("kind: language")].count("\n") + 1
    menu = tmp_path / "menu.yaml"
    menu.write_text(text.replace("kind: language", f"kind: {value}", 1), encoding="utf-8")
    found = errors_of(menu)
    assert found[0] == (
        f"{menu}:{line}: error: node 'welcome' has kind {value}; use one of language, menu, info, transfer, goodbye"
    )


def test_a_list_as_the_default_language_is_an_error(tmp_path):
    text = WALLET.read_text(encoding="utf-8").replace("default_language: zh-CN", "default_language: []", 1)
    menu = tmp_path / "menu.yaml"
    menu.write_text(text, encoding="utf-8")
    assert any("default_language '[]' is not a declared language" in e for e in errors_of(menu))


def test_any_failure_of_the_checks_is_a_refused_file_not_a_traceback(tmp_path, monkeypatch):
    def broken(*args):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(read_nodes, "_menu_node", broken)
    code, printed = validate(WALLET)
    assert code == 1 and "Traceback" not in printed
    assert (
        f"{WALLET}:1: error: the file could not be checked (RecursionError: maximum recursion depth exceeded)"
        in printed
    )


@pytest.mark.parametrize("name", ["recursive", "bomb", "deep", "big", "kind"])
def test_validate_prints_one_clear_error_and_exits_1(tmp_path, name):
    menu = tmp_path / f"{name}.yaml"
    if name == "recursive":
        menu.write_text("x-loop: &l [*l]\n", encoding="utf-8")
    elif name == "bomb":
        menu.write_text(BOMB, encoding="utf-8")
    elif name == "deep":
        menu.write_text("[" * 3000 + "]" * 3000, encoding="utf-8")
    elif name == "big":
        with menu.open("wb") as out:
            out.truncate(MAX_FILE_BYTES + 1)
    else:
        menu.write_text(WALLET.read_text(encoding="utf-8").replace("kind: language", "kind: {}", 1), encoding="utf-8")
    code, printed = validate(menu)
    assert code == 1 and "Traceback" not in printed
    assert printed.splitlines()[0].startswith(f"{menu}:") and ": error: " in printed.splitlines()[0]
