"""The menu diagram on the phone page: ``ivr graph``'s DOT drawing, rendered to SVG by Graphviz here.

Server-side, so the page needs no JavaScript library and no CDN: ``dot -Tsvg`` (Graphviz, installed by
scripts/setup.sh) draws ``ivr.menu.diagram``'s DOT output, in which every node is a ``<g class="node">``
whose ``<title>`` is the node's id; the page highlights the caller's node by that id. Drawn once per
menu version and language (a menu edit draws anew).
"""

from __future__ import annotations

import shutil
import subprocess
import threading

from ivr.menu import diagram
from ivr.menu.model import Tree

DOT_TIMEOUT_SECONDS = 30


class DiagramError(RuntimeError):
    """Graphviz is missing or failed; the message says which."""


class DiagramCache:
    """SVG drawings by (menu version, language); a handful at most."""

    def __init__(self) -> None:
        self._svg: dict[tuple[object, str], str] = {}
        self._lock = threading.Lock()

    def svg(self, tree: Tree, version: object, lang: str) -> str:
        key = (version, lang)
        with self._lock:
            if key in self._svg:
                return self._svg[key]
        drawn = to_svg(diagram.render(tree, "dot", lang))
        with self._lock:
            if len(self._svg) >= 8:
                self._svg.clear()
            self._svg[key] = drawn
        return drawn


def to_svg(dot_source: str) -> str:
    """``dot -Tsvg`` of ``dot_source``, without the XML prolog (it is inlined into the page)."""
    dot = shutil.which("dot")
    if dot is None:
        raise DiagramError("Graphviz's `dot` is not installed (scripts/setup.sh installs the graphviz package)")
    try:
        done = subprocess.run(
            [dot, "-Tsvg"], input=dot_source.encode("utf-8"), capture_output=True, timeout=DOT_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired:
        raise DiagramError(f"`dot` took longer than {DOT_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        raise DiagramError(f"`dot` failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    svg = done.stdout.decode("utf-8")
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
