"""The documentation's code examples are run as written, so they cannot go stale.

Each ```python block of a section (a ``## `` heading) of the README or of a page in ``docs/`` is
executed as a module and every ``test_*`` function it defines is called, from the project folder
with the service settings cleared from the environment (the example means the shipped defaults,
not whatever the machine running the tests exports).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SIMULATOR_DOC = ROOT / "docs" / "simulator.md"
SETTINGS = ("MENU_FILE", "AUDIO_DIR", "USE_AUDIO", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "TRUSTED_PROXIES", "IVR_ENV",
            "SIP_TRUNK_HOST", "SIP_TRUNK_USERNAME", "SIP_TRUNK_PASSWORD")  # fmt: skip


def python_blocks(page: Path, section: str) -> list[str]:
    """The ```python blocks under ``## <section>`` of ``page`` (up to the next ``## `` or ``# `` heading)."""
    text = page.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^##? |\Z)", text, flags=re.M | re.S)
    assert match, f"{page.relative_to(ROOT)} has no '## {section}' section"
    return re.findall(r"^```python\n(.*?)^```", match.group(1), flags=re.M | re.S)


def run_tests_in(code: str, page: Path) -> list[str]:
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(code, str(page), "exec"), namespace)
    tests = [name for name, value in namespace.items() if name.startswith("test_") and callable(value)]
    for name in tests:
        namespace[name]()  # type: ignore[operator]
    return tests


def run_section(page: Path, section: str) -> list[str]:
    blocks = python_blocks(page, section)
    assert blocks, f"the '{section}' section of {page.relative_to(ROOT)} lost its pytest example"
    return [name for block in blocks for name in run_tests_in(block, page)]


@pytest.fixture
def project_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)


def test_the_readme_simulator_sections_pytest_example_passes(project_folder):
    assert run_section(README, "Simulator") == ["test_refunds_are_put_through_to_alipay"]


def test_the_simulator_pages_pytest_example_passes(project_folder):
    ran = run_section(SIMULATOR_DOC, "In tests")
    assert ran == ["test_a_mandarin_caller_hears_refund_guidance_and_is_put_through_to_alipay"]
