"""``/healthz`` polled through a Flask test client: how a test waits for a menu edit to be loaded.

An edit is loaded in the background, so no webhook waits for it; each poll is a request, which is
also what lets the app notice that the file changed, as a webhook would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient


def health_until(client: FlaskClient, ready: Callable[[dict[str, Any]], bool], what: str, limit: float = 20.0) -> dict:
    """The first ``/healthz`` for which ``ready(health)`` holds; AssertionError naming ``what`` and the last
    health after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    health: dict[str, Any] = {}
    while time.monotonic() < deadline:
        health = client.get("/healthz").get_json()
        if ready(health):
            return health
    raise AssertionError(f"{what}: not within {limit:.0f} s; last health: {health}")
