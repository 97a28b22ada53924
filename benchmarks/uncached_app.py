"""The real service with its document cache bypassed: every webhook runs the flow and renders.

Benchmark-only. ``ivr.web.documents`` keeps rendered TwiML per (menu, route, state, input,
minute); a request that was never seen (a caller's own words, a new trail) costs what this app
costs on every request. Serving it beside the real one shows both ends honestly: the repeated
questions that make up most of a busy line, and the worst case. Nothing here changes the package.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask

import ivr.web.app as web_app
from ivr.menu.model import Tree
from ivr.web.documents import Build, DocumentCache


class RenderEveryTime(DocumentCache):
    """Same interface, keeps nothing."""

    def document(
        self, tree: Tree, at: datetime, key: tuple[str, ...], build: Build, keep: Callable[[], bool] = lambda: True
    ) -> str:
        return build(self.find_audio)


def create_app() -> Flask:
    """``ivr.web.create_app()`` from the environment, with ``RenderEveryTime`` in place of the cache."""
    web_app.DocumentCache = RenderEveryTime  # type: ignore[misc]
    return web_app.create_app()
