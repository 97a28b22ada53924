"""`ivr schema`: the JSON Schema editors use, checked with the `jsonschema` package.

The schema must accept every menu the project ships (and the clean fixture), reject broken copies
the way ``ivr validate`` does, be a valid draft 2020-12 schema, and be committed as generated (the
shipped menus' ``# yaml-language-server: $schema=`` comment names the committed file). Because it is
built from the readers' field tables, a required field in the schema must be one the loader cannot
do without: each is removed in turn and both must object.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from ivr.cli import main
from ivr.menu.loader import FILE_FIELDS, check_file
from ivr.menu.read_defaults import DEFAULT_FIELDS, KEY_FIELDS
from ivr.menu.read_nodes import NODE_FIELDS
from ivr.menu.schema import COMMITTED_PATH, menu_schema, schema_text

ROOT = Path(__file__).resolve().parents[2]
CLEAN = ROOT / "tests" / "fixtures" / "clean.yaml"
MENUS = [*sorted((ROOT / "menus").glob("*.yaml")), *sorted((ROOT / "menus" / "examples").glob("*.yaml"))]
VALIDATOR = jsonschema.Draft202012Validator(menu_schema())


def as_editor_sees(value: Any) -> Any:
    """PyYAML's reading in JSON terms, as a YAML language server (YAML 1.2) sees it: every key a string,
    and an unquoted date (``2027-02-06: closed``) a string too."""
    if isinstance(value, dict):
        return {str(k.isoformat() if isinstance(k, datetime.date) else k): as_editor_sees(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editor_sees(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def load(path: Path) -> Any:
    return as_editor_sees(yaml.safe_load(path.read_text(encoding="utf-8")))


def schema_errors(data: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(data)]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(menu_schema())
    assert menu_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_committed_schema_is_what_ivr_schema_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == schema_text()
    assert (ROOT / COMMITTED_PATH).read_text(encoding="utf-8") == printed, "run: ivr schema -o " + COMMITTED_PATH
    assert main(["schema", "--check", str(ROOT / COMMITTED_PATH)]) == 0


def test_check_fails_on_a_stale_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "menu.schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert main(["schema", "--check", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["schema", "-o", str(stale)]) == 0
    assert main(["schema", "--check", str(stale)]) == 0


@pytest.mark.parametrize("path", [*MENUS, CLEAN], ids=lambda p: p.name)
def test_every_shipped_and_example_menu_passes(path: Path) -> None:
    assert schema_errors(load(path)) == []


@pytest.mark.parametrize("path", MENUS, ids=lambda p: p.name)
def test_shipped_menus_name_the_committed_schema_in_their_first_line(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, first
    assert (path.parent / match.group(1)).resolve() == (ROOT / COMMITTED_PATH).resolve()


def _edit(data: dict, path: tuple, value: Any) -> dict:
    data = copy.deepcopy(data)
    holder = data
    for step in path[:-1]:
        holder = holder[step]
    if value is _DELETE:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return data


_DELETE = object()

BROKEN = [
    pytest.param(("nodes", "main", "promt"), "x", id="unknown-node-field"),
    pytest.param(("defaults", "timout"), 5, id="unknown-defaults-field"),
    pytest.param(("hotlines", "alipay", "number"), 95188, id="number-not-in-quotes"),
    pytest.param(("nodes", "goodbye_numbers", "kind"), "goodby", id="unknown-kind"),
    pytest.param(("nodes", "refunds", "options", 0, "key"), "10", id="key-not-a-phone-key"),
    pytest.param(("nodes", "refunds", "options", 0, "action"), "mian", id="unknown-action"),
    pytest.param(("hotlines", "jdpay", "hours", "weekly", "mon-fri"), "9h-18h", id="hours-format"),
    pytest.param(("hotlines", "jdpay", "hours", "weekly", "mon-fr"), "09:00-18:00", id="day-name"),
    pytest.param(("defaults", "timeout"), 0, id="timeout-out-of-range"),
    pytest.param(("defaults", "speech"), "often", id="not-a-boolean"),
    pytest.param(("entry",), _DELETE, id="entry-missing"),
    pytest.param(("messages", "goodbye"), _DELETE, id="message-missing"),
    pytest.param(("nodes", "Main"), {"kind": "goodbye"}, id="node-id"),
]


@pytest.mark.parametrize("path, value", BROKEN)
def test_a_broken_copy_fails_the_schema_and_validate_alike(tmp_path: Path, path: tuple, value: Any) -> None:
    broken = _edit(load(CLEAN), path, value)
    assert schema_errors(broken), f"the schema accepts {path} = {value!r}"
    copy_path = tmp_path / "broken.yaml"
    copy_path.write_text(yaml.safe_dump(broken, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _, diagnostics = check_file(copy_path)
    assert any(d.severity == "error" for d in diagnostics), f"ivr validate accepts {path} = {value!r}"


def _required_paths() -> list[tuple]:
    """Every field the schema calls required, at one place of the clean fixture where it is written."""
    paths = [(name,) for name, f in FILE_FIELDS.items() if f.required]
    paths += [("defaults", name) for name, f in DEFAULT_FIELDS.items() if f.required]
    paths += [("defaults", "keys", name) for name, f in KEY_FIELDS.items() if f.required]
    clean = load(CLEAN)
    for kind, table in NODE_FIELDS.items():
        node_id = next(n for n, spec in clean["nodes"].items() if spec["kind"] == kind)
        paths += [("nodes", node_id, name) for name, f in table.items() if f.required]
    return paths


@pytest.mark.parametrize("path", _required_paths(), ids=lambda p: ".".join(map(str, p)))
def test_a_field_the_schema_requires_is_one_the_loader_cannot_do_without(tmp_path: Path, path: tuple) -> None:
    broken = _edit(load(CLEAN), path, _DELETE)
    assert schema_errors(broken)
    copy_path = tmp_path / "broken.yaml"
    copy_path.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")  # JSON is YAML too
    _, diagnostics = check_file(copy_path)
    assert any(d.severity == "error" for d in diagnostics), f"the loader does without {path}"


def test_every_field_the_loader_reads_is_described() -> None:
    """Hover text for every field: a table entry without a description would show nothing."""

    def walk(schema: Any, where: str) -> None:
        if isinstance(schema, dict):
            for name, sub in schema.get("properties", {}).items():
                assert sub.get("description"), f"{where}/{name} has no description"
            for key, value in schema.items():
                if key != "if":  # a condition (kind: menu), not fields
                    walk(value, where)
        elif isinstance(schema, list):
            for item in schema:
                walk(item, where)

    walk(menu_schema(), "")
