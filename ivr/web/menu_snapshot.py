"""The last good menu on disk: a copy of every menu file the service accepted, for a worker that
starts while the file is broken.

A worker holds its last good tree in memory, but a worker that starts (a ``kill -HUP``, an OOM
kill, ``--max-requests``, a timeout kill) has only the file, and gunicorn shuts the whole server
down when a worker fails to boot ("Worker failed to boot", exit 3: the arbiter halts,
https://github.com/benoitc/gunicorn/issues/2103). So every accepted menu is copied, byte for byte,
to ``MENU_SNAPSHOT_DIR/<file name>`` (default ``var/menus/``, beside the call store's ``var/``),
and a worker that cannot serve the file serves that copy instead.

The copy is written atomically (a temporary file in the same folder, fsynced, renamed over the
old copy, the folder fsynced), so a reader sees the old copy or the new one, never half of one,
whichever worker writes and whenever one is killed. A copy that cannot be written is a warning:
the line keeps serving.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from pathlib import Path

from ivr.menu import bounded_read

log = logging.getLogger("ivr.menu")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Snapshots:
    """The folder of last good copies, one per menu file name."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._saved: dict[Path, str] = {}  # copy -> the hash this process last wrote or found there
        self._lock = threading.Lock()

    def path_for(self, menu: Path) -> Path:
        return self.folder / Path(menu).name

    def read(self, menu: Path) -> bytes | None:
        """The last good copy of ``menu``, or ``None`` when there is none (or it cannot be read)."""
        try:
            return bounded_read.read_bytes(self.path_for(menu))
        except FileNotFoundError:
            return None
        except (OSError, bounded_read.Refused) as exc:
            log.warning("the last good copy %s cannot be read: %s", self.path_for(menu), exc)
            return None

    def save(self, menu: Path, data: bytes, digest: str) -> None:
        """Keep ``data`` (which passed every check) as the last good copy of ``menu``, unless it already is."""
        target = self.path_for(menu)
        with self._lock:
            if self._saved.get(target) == digest:
                return
            try:
                if target.is_file() and sha256(bounded_read.read_bytes(target)) == digest:
                    self._saved[target] = digest
                    return
            except (OSError, bounded_read.Refused):
                pass  # overwritten below
            try:
                _write_atomically(target, data)
            except OSError as exc:
                log.warning("could not keep a last good copy of %s in %s: %s", menu, target, exc)
                return
            self._saved[target] = digest
            log.info("kept the last good copy of %s in %s (sha256 %s)", menu, target, digest[:12])


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a power cut
    finally:
        os.close(folder)
