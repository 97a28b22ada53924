"""Hot reload off the request path, with the last good menu on disk.

Each webhook asks for the current tree and gets it at once: a ``stat`` (microseconds) tells
whether the file changed, and a change starts a load in a background thread; requests keep the
tree they had until the new one has passed every check, then the reference is swapped (the tree
is an immutable value, so the swap is the whole "reload").

Who looks: while webhooks keep coming, a watcher thread stats the file every ``LOOK_EVERY_S``
(an edit is noticed within 20 ms) and the webhooks themselves do not; after ``IDLE_S`` without a
webhook the watcher ends, and the next webhook looks itself and starts it again, so that the
first webhook after a quiet spell still notices an edit at once. Why not a ``stat`` per webhook,
as before: a system call releases the GIL, and in a gthread worker the webhook then waits for
another thread to hand it back (``benchmarks/gil_handoffs.py``); the per-webhook ``stat`` and the
INFO log lines were what was left between the service and the floor (docs/performance.md, "GIL
hand-offs"). No request ever waits on a load, and a
load is bounded (``ivr.menu.bounded_read``: regular files only, a size cap, an alias and value
budget, a depth limit, a time budget), so a FIFO, a 50 MB file or an alias bomb costs a rejected
load, not a stalled call. Anything that goes wrong in a load rejects that edit, logged with
file:line, and the last good tree keeps serving.

Every accepted menu is copied to the last good copy on disk (``ivr.web.menu_snapshot``): a
worker that starts while the file is broken serves that copy and says so, in its log and in
``/healthz`` (``health``). Only with no good menu at all does it refuse to start, with the
file's errors.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ivr.call.checks import check_menu_bytes
from ivr.menu import bounded_read
from ivr.menu.diagnostics import ConfigError, Diagnostic
from ivr.menu.loader import internal_error, read_file
from ivr.menu.model import Source, Tree
from ivr.web.menu_snapshot import Snapshots, sha256

log = logging.getLogger("ivr.menu")
Signature = tuple[int, int, int] | None  # (mtime, size, inode), None when the path cannot be stat'ed
LOOK_EVERY_S = 0.02  # the watcher's stat: an edit is noticed this soon while webhooks come
IDLE_S = 1.0  # the watcher ends after this long without a webhook; the next one looks itself


@dataclass(frozen=True)
class Served:
    """The tree being served and where it came from."""

    tree: Tree
    origin: str  # "file": the menu file itself; "snapshot": the last good copy
    path: Path
    sha256: str
    since: str  # when this worker started serving it (UTC, ISO 8601)


class NoGoodMenu(ConfigError):
    """The menu file cannot be served and there is no last good copy either: the worker cannot start."""

    def __init__(self, path: Path, snapshot: Path | None, diagnostics: list[Diagnostic]):
        super().__init__(diagnostics)
        where = f"no last good copy in {snapshot.parent}/" if snapshot else "no last good copy is kept"
        errors = "\n".join(str(d) for d in self.errors) or "(no details)"
        self.message = f"{path} cannot be served and there is {where} to serve instead:\n{errors}"

    def __str__(self) -> str:
        return self.message


class MenuSource:
    """The menu a worker serves: the file when it is good, else the last good tree or copy."""

    def __init__(
        self,
        path: Path,
        snapshots: Snapshots | None = None,
        *,
        budget: float = bounded_read.LOAD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        look_clock: Callable[[], float] = time.monotonic,
    ):
        self.path = Path(path)
        self.snapshots = snapshots
        self.budget = budget
        self._clock = clock  # seconds, for the time budget of a load
        # Seconds, for who looks at the file when. A default argument, so freezegun (which patches
        # module attributes, not defaults) never freezes it: a frozen clock would stop the watcher.
        self._look_clock = look_clock
        self.version = 1  # bumps on every successful reload (used to key caches)
        self._lock = threading.Lock()
        self._loader: threading.Thread | None = None
        self._watcher: threading.Thread | None = None
        self._watched_at = -1e18  # look clock of the watcher's last look: recent means requests need not look
        self._requested_at = 0.0  # look clock of the last request: the watcher ends when it is old
        self._refreshed = False  # refresh() was called: the gunicorn master, which never watches
        self._seen = self._stat()  # the file as it was when last read (or tried)
        served, errors = self._what_a_start_serves()
        if served is None:
            raise NoGoodMenu(self.path, self.snapshots.path_for(self.path) if self.snapshots else None, errors)
        self._served, self._errors = served, errors  # errors: the file's, while it cannot be served

    def refresh(self) -> None:
        """Serve now what a worker starting now would serve; it waits for the load, so it is for a
        process that answers no calls: the gunicorn master just before it forks a worker under
        ``preload_app`` (``ivr/web/gunicorn_conf.py``), so that a worker forked after an edit starts
        with that edit, or with the last good copy on disk if the edit is broken, exactly as a
        worker that loaded the app itself would, and with no load of its own to wait for.

        Nothing to do (one ``stat``) while the file is as it was last read. With no good menu at all
        the tree already served is kept: this process is serving, there is nothing to refuse."""
        self._refreshed = True  # from now on no watcher here: this process answers no webhooks, and
        # a watcher's rejection of a broken edit would keep the last good tree, where a starting
        # worker would serve the last good copy
        watcher = self._watcher
        if watcher is not None:  # and none across a fork
            self._requested_at = -IDLE_S
            watcher.join()
        loader = self._loader  # after the watcher: it may have started one
        if loader is not None:
            loader.join()  # no load thread across a fork either: the child would inherit its lock, held
        signature = self._stat()
        if signature == self._seen:
            return
        served, errors = self._what_a_start_serves(reuse=self._served)
        with self._lock:
            self._seen, self._errors = signature, errors
            if served is None:
                log.error("the menu file and its last good copy cannot be served; still serving %s (sha256 %s)",
                          self._served.path, self._served.sha256[:12])  # fmt: skip
                return
            if (served.origin, served.sha256) != (self._served.origin, self._served.sha256):
                self._served = served
                self.version += 1

    def _what_a_start_serves(self, reuse: Served | None = None) -> tuple[Served | None, list[Diagnostic]]:
        """The file if it is good (kept as the last good copy), else the last good copy, else None;
        with the file's errors. ``reuse``: a tree already checked, taken as is if the copy is its bytes."""
        served, data, errors = self._load(self.path, "file")
        if served is not None and data is not None:
            self._keep(data, served.sha256)
            return served, []
        fallback = self._last_good_copy(reuse)
        if fallback is not None:
            log.error(
                "MENU FILE NOT SERVED: %s cannot be served; serving the last good copy %s (sha256 %s) instead:\n%s",
                self.path, fallback.path, fallback.sha256[:12], "\n".join(str(d) for d in errors),
            )  # fmt: skip
        return fallback, errors

    # --- the request path: never waits ------------------------------------------------------------

    def current(self) -> Tree:
        served = self._served
        now = self._look_clock()
        self._requested_at = now
        if now - self._watched_at > 2 * LOOK_EVERY_S:  # no watcher looking (idle, just forked, or gone)
            self._look()
            self._start_watching(now)
        return served.tree

    def _look(self) -> None:
        signature = self._stat()
        if signature != self._seen:
            self._start_loading(signature)

    def _start_watching(self, now: float) -> None:
        with self._lock:
            if self._refreshed or (self._watcher is not None and self._watcher.is_alive()):  # not alive: forked
                return
            self._watched_at = now  # the requests that follow leave the looking to it
            self._watcher = threading.Thread(target=self._watch, name="ivr-menu-watch", daemon=True)
            self._watcher.start()

    def _watch(self) -> None:
        """Look every ``LOOK_EVERY_S`` while requests come; end ``IDLE_S`` after the last one."""
        me = threading.current_thread()
        try:
            while self._look_clock() - self._requested_at < IDLE_S:
                time.sleep(LOOK_EVERY_S)
                self._look()
                self._watched_at = self._look_clock()
        except Exception:  # never silently: the requests look again once the watcher's looks are old
            log.exception("the menu watcher stopped; webhooks look at %s themselves", self.path)
        finally:  # without the lock: a process forked meanwhile (``ivr paths``' workers) must not inherit it held
            if self._watcher is me:
                self._watched_at = -1e18  # first: from now on a request looks itself, and starts a new watcher
                self._watcher = None

    def health(self) -> dict[str, object]:
        """What ``/healthz`` says: what is served, from where, why, and the file's own errors."""
        served, errors = self._served, list(self._errors)
        loading = self._loader is not None and self._loader.is_alive()
        current = served.origin == "file" and not errors
        if current:
            reason = "the menu file is served"
        elif served.origin == "file":
            reason = f"{self.path} has errors: this worker keeps serving the last good menu it loaded"
        else:
            reason = f"{self.path} could not be served when this worker started: serving the last good copy"
        return {
            "status": "ok" if current else "degraded",
            "worker": os.getpid(),  # each worker answers for itself
            "menu": str(self.path),
            "nodes": len(served.tree.nodes),
            "version": self.version,
            "reason": reason,
            "served": {"from": served.origin, "path": str(served.path), "sha256": served.sha256, "since": served.since},
            "file": {
                "state": "loading" if loading else ("rejected" if errors else "served"),
                "errors": [str(d) for d in errors],
            },
            "snapshot": str(self.snapshots.path_for(self.path)) if self.snapshots else None,
        }

    def _stat(self) -> Signature:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _start_loading(self, signature: Signature) -> None:
        with self._lock:
            if signature == self._seen or (self._loader is not None and self._loader.is_alive()):
                return  # a load is running: a later request looks again when it is done
            self._loader = threading.Thread(target=self._reload, args=(signature,), name="ivr-menu-load", daemon=True)
            self._loader.start()

    # --- the background load ----------------------------------------------------------------------

    def _reload(self, signature: Signature) -> None:
        served, data, errors = self._load(self.path, "file")
        if served is not None and data is not None:
            self._keep(data, served.sha256)  # kept before it is served: a worker may die right after
        with self._lock:
            self._seen = signature
            if served is None or data is None:
                self._errors = errors
                log.error(
                    "menu edit rejected, still serving the last good menu (%s, sha256 %s):\n%s",
                    self._served.path, self._served.sha256[:12], "\n".join(str(d) for d in errors),
                )  # fmt: skip
                return
            self._served, self._errors = served, []
            self.version += 1
        log.info("menu reloaded from %s (%d nodes, sha256 %s)", self.path, len(served.tree.nodes), served.sha256[:12])

    def _load(self, path: Path, origin: str) -> tuple[Served | None, bytes | None, list[Diagnostic]]:
        """Read and check ``path`` within the limits and the time budget; any failure is a list of errors."""
        started = self._clock()
        try:
            with bounded_read.time_budget(self.budget):
                data, problems = read_file(path)
                if data is None:
                    return None, None, problems
                tree, diagnostics = check_menu_bytes(data, str(path))
        except Exception as exc:  # never a traceback into a request or a failed boot: a rejected file
            return None, None, [internal_error(str(path), exc)]
        errors = [d for d in diagnostics if d.severity == "error"]
        if tree is None or errors:
            return None, None, errors or diagnostics
        seconds = self._clock() - started
        if seconds > self.budget:
            message = f"loading the menu took {seconds:.1f} s, over its time budget of {self.budget:g} s"
            return None, None, [Diagnostic(Source(str(path), 1), "error", message)]
        return Served(tree, origin, path, sha256(data), _now()), data, []

    def _last_good_copy(self, reuse: Served | None = None) -> Served | None:
        if self.snapshots is None:
            return None
        data = self.snapshots.read(self.path)
        if data is None:
            return None
        copy = self.snapshots.path_for(self.path)
        if reuse is not None and sha256(data) == reuse.sha256:  # checked already: no second parse
            return Served(reuse.tree, "snapshot", copy, reuse.sha256, _now())
        served, _data, errors = self._load(copy, "snapshot")
        if served is None:
            log.error("the last good copy cannot be served either:\n%s", "\n".join(str(d) for d in errors))
        return served

    def _keep(self, data: bytes, digest: str) -> None:
        if self.snapshots is not None:
            self.snapshots.save(self.path, data, digest)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
