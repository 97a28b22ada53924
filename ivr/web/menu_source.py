"""Hot reload: the menu file is the running line, re-read when it changes.

Each webhook asks for the current tree; a ``stat`` (microseconds) tells whether the file
changed. An edit that validates replaces the tree for the next webhook; an edit with errors is
logged with file:line and the last good tree keeps serving, so a typo never reaches a caller.
The tree is an immutable value, so swapping the reference is the whole "reload".
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from ivr.call.checks import load_menu
from ivr.menu.diagnostics import ConfigError
from ivr.menu.model import Tree

log = logging.getLogger("ivr.menu")


class MenuSource:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._signature = self._stat()
        self._tree = load_menu(self.path)  # the first load must succeed: nothing to fall back to
        self._rejected: tuple[int, int, int] | None = None
        self.version = 1  # bumps on every successful reload (used to key caches)

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def current(self) -> Tree:
        signature = self._stat()
        if signature == self._signature or signature is None or signature == self._rejected:
            return self._tree
        with self._lock:
            if signature != self._signature and signature != self._rejected:
                self._reload(signature)
        return self._tree

    def _reload(self, signature: tuple[int, int, int]) -> None:
        try:
            tree = load_menu(self.path)
        except ConfigError as exc:
            self._rejected = signature
            log.error(
                "menu edit rejected, still serving the last good menu:\n%s",
                "\n".join(str(d) for d in exc.errors),
            )
            return
        except OSError as exc:  # replaced mid-read: try again on the next request
            log.warning("menu file could not be read (%s); still serving the last good menu", exc)
            return
        # Re-check: if the file changed while it was being read, read it again next time.
        if self._stat() != signature:
            return
        self._tree, self._signature, self._rejected = tree, signature, None
        self.version += 1
        log.info("menu reloaded from %s (%d nodes)", self.path, len(tree.nodes))
