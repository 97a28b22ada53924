"""The layering is a contract: an import against it fails the build with import-linter's message.

The test copies the package into a temporary folder, adds one forbidden import, and runs the
same ``lint-imports`` that ``scripts/test.sh`` runs, with the project's own contracts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "ivr", tmp_path / "ivr", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_shipped_package_keeps_every_contract(copy_of_the_package: Path):
    done = _lint(copy_of_the_package)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "forbidden", "message"),
    [
        ("menu/model.py", "import ivr.call.flow", "ivr.menu is not allowed to import ivr.call"),
        ("call/flow.py", "import flask", "ivr.call.flow -> flask"),
        ("simulator/engine.py", "import ivr.web", "ivr.simulator.engine -> ivr.web"),
        ("web/app.py", "import ivr.coverage", "ivr.web is not allowed to import ivr.coverage"),
    ],
)
def test_a_forbidden_import_fails_with_import_linters_message(copy_of_the_package, module, forbidden, message):
    path = copy_of_the_package / "ivr" / module
    path.write_text(path.read_text() + f"\n{forbidden}  # noqa\n")
    done = _lint(copy_of_the_package)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout
    assert message in done.stdout, done.stdout
