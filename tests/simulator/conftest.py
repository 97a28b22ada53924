"""Fixtures for the simulator tests: the independent TwiML app, in-process and over real HTTP."""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

# The helper app lives next to this file; make it importable under any --import-mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))
if importlib.util.find_spec("ivr") is None:  # the package is not installed: test the working tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sim_app import TOKEN, create_app


@pytest.fixture
def app() -> Flask:
    """The test app with signature validation on (every request must be signed with TOKEN)."""
    return create_app(auth_token=TOKEN)


@pytest.fixture
def live_app() -> Iterator[tuple[Flask, str]]:
    """The same app served over real HTTP on 127.0.0.1 (ephemeral port); yields (app, base URL)."""
    flask_app = create_app(auth_token=TOKEN)
    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield flask_app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
