"""Suite-wide: the call store of every app a test creates lives in a temporary folder.

``create_app()`` records calls to ``DATABASE_URL`` (default ``sqlite:///var/ivr.db``) through a
spool in ``SPOOL_DIR``; tests must not write into the working tree, nor share one database
between parallel runs, so both point into a folder of this session. The spool is not synced for
tests that are not about the store (``tests/store`` turns it on where durability is the point).

Every recorder a test starts (an app that recorded a call) is closed when the test ends: what it
spooled is forwarded then, and its forwarder thread stops. Left open, each kept a thread polling
the shared spool folder for the rest of the session (99 of them by the end of ``tests/web`` and
``tests/console``), and each flushed over that folder again at exit.

The repository root goes on the path (``--import-mode=importlib`` puts nothing there), so every test
folder imports the one server launcher, ``benchmarks.harness.serving``, and ``tests/`` goes on it
for the helpers every folder shares (``healthz``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_STORE_DIR = tempfile.mkdtemp(prefix="ivr-test-store-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_STORE_DIR}/ivr.db")
os.environ.setdefault("SPOOL_DIR", f"{_STORE_DIR}/spool")
os.environ.setdefault("SPOOL_SYNC", "false")
# In-process apps forward their own spool in a thread; the store's gunicorn tests (tests/store/services.py)
# run the service's default, one forwarder process per host.
os.environ.setdefault("SPOOL_FORWARDER", "thread")
os.environ.setdefault("MENU_SNAPSHOT_DIR", f"{_STORE_DIR}/menus")  # per test below; this for wider fixtures

from ivr.store.recorder import Recorder  # noqa: E402 (after the path and the store's environment)

# Registered first, so it runs last at exit: after every app's recorder has flushed its spool.
atexit.register(shutil.rmtree, _STORE_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _menu_snapshots(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test's apps keep their last good menus in a folder of their own (``MENU_SNAPSHOT_DIR``): not in
    the working tree's ``var/``, and never a copy another test left under the same file name."""
    monkeypatch.setenv("MENU_SNAPSHOT_DIR", str(tmp_path_factory.mktemp("menu-snapshots")))
    yield


@pytest.fixture(autouse=True)
def _close_recorders(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The recorders started during the test (by ``create_app``'s store, on its first call) are closed
    after it; one started again by a later test (a module's app) is closed after that one too."""
    started: dict[int, Recorder] = {}
    start = Recorder.start

    def tracked(recorder: Recorder) -> None:
        start(recorder)
        started[id(recorder)] = recorder

    monkeypatch.setattr(Recorder, "start", tracked)
    yield
    for recorder in started.values():
        recorder.close()
