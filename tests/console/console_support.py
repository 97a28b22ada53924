"""Helpers for the console's tests (importable from any test here; conftest.py puts this folder on sys.path)."""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve a WSGI app on a free port of 127.0.0.1 in a thread; yields its base URL; stops it after."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="console-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


# -- finding the way through a menu, from the menu itself (the shipped menu's keys may change) --------


def language_key(tree: Any, lang: str) -> str:
    """The key that picks ``lang`` at the tree's language choice."""
    from ivr.menu.model import LanguageNode

    entry = tree.nodes[tree.entry]
    assert isinstance(entry, LanguageNode), "the menu does not start with a language choice"
    return next(o.key for o in entry.options if o.language == lang)


def keys_to(tree: Any, wanted: Callable[[Any], bool]) -> tuple[str, Any]:
    """The shortest key sequence from the main menu to a node ``wanted`` accepts, and that node."""
    from ivr.menu.model import MenuNode

    queue: deque[tuple[str, str]] = deque([(tree.main_menu, "")])
    seen = {tree.main_menu}
    while queue:
        node_id, keys = queue.popleft()
        node = tree.nodes[node_id]
        if keys and wanted(node):
            return keys, node
        if isinstance(node, MenuNode):
            for option in node.options:
                if option.action == "goto" and option.target and option.target not in seen:
                    seen.add(option.target)
                    queue.append((option.target, keys + option.key))
    raise AssertionError("no such node is reachable from the main menu")


def transcript_lines(events: list[dict[str, Any]]) -> list[str]:
    """The lines ``ivr simulate`` prints for transcript events (as in ``--transcript`` JSON)."""
    from ivr.simulator.transcript import Event

    out = []
    for e in events:
        data = {k: v for k, v in e.items() if k not in ("kind", "at")}
        out.append(f"{e['at']:7.1f}s  {Event(e['kind'], e['at'], data).describe()}")
    return out


BARGE_IN_MARKS = (" (interrupted)", " (not reached: caller barged in)", " (barging in)")


def moves_only(lines: list[str]) -> list[str]:
    """Transcript lines without their times and barge-in marks: what was said, pressed and requested.

    A person at the phone page cuts prompts short; ``ivr simulate --script`` cannot (its caller listens
    to every prompt), so times and these marks differ for the same moves, and nothing else may."""
    out = []
    for line in lines:
        text = line.split("s  ", 1)[1] if "s  " in line else line
        for mark in BARGE_IN_MARKS:
            text = text.replace(mark, "")
        if text.startswith("END "):  # the call's length is a time too
            text = re.sub(r", \d+s\)$", ")", text)
        text = re.sub(r"CallDuration=\d+", "CallDuration=…", text)  # the status callback reports it too
        out.append(text)
    return out
