"""The runtime lookup: which pre-rendered file, if any, says this text in this voice right now.

The TwiML renderer asks once per prompt on every request, so a lookup is one dictionary access. The
manifest is re-read only when it changes: at most once a second a lookup ``stat``s it (and the
directory), and if either moved, the next index is built and swapped in as one immutable value. So
``ivr audio build`` takes effect on a running service within a second, with no restart, no lock on the
request path and no per-call state; concurrent requests at worst each build the same new index.

A file is returned only when it was rendered for exactly this text, voice, rate and output format
(``ivr.audio.cache.FORMAT``), and is still a regular file of the size the manifest records.
Anything else (a text edited since the last build, a voice changed in the
config, a build from an older format, no audio directory at all) returns None, and the service says the
text with ``<Say>`` instead: an out-of-date build makes the line sound different, never wrong.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from ivr.audio.cache import FORMAT
from ivr.audio.integrity import Fingerprint
from ivr.audio.manifest import ManifestError, manifest_path, read_manifest
from ivr.menu.model import Language

RECHECK_SECONDS = 1.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Index:
    identity: tuple[int, ...] | None  # the manifest's (inode, mtime_ns, size) and the directory's mtime_ns
    by_prompt: dict[tuple[str, str, int], str]  # (text, voice, rate) -> file name
    files: frozenset[str]
    recorded: dict[str, Fingerprint | None]  # file name -> its size and sha256 as the build wrote it
    checked_at: float  # time.monotonic() of the last stat


_EMPTY_FILES: frozenset[str] = frozenset()


class AudioLibrary:
    """Answers "is there a current recording of this text?" for one audio directory, cheaply."""

    def __init__(self, audio_dir: str | Path, recheck_seconds: float = RECHECK_SECONDS):
        self.audio_dir = Path(audio_dir)
        self.recheck_seconds = recheck_seconds
        self._manifest = manifest_path(self.audio_dir)
        self._index = self._load(self._identity())

    def lookup(self, text: str, language: Language) -> str | None:
        """The file name (relative to the audio directory) for ``text`` in ``language``'s voice, else None."""
        return self._current().by_prompt.get((text, language.tts_voice, language.tts_rate))

    def files(self) -> frozenset[str]:
        """Every file the current manifest names: the only ones worth serving."""
        return self._current().files

    def recorded(self, name: str) -> Fingerprint | None:
        """The size and sha256 the manifest records for ``name`` (None: not listed, or not recorded)."""
        return self._current().recorded.get(name)

    def _current(self) -> _Index:
        index = self._index
        now = time.monotonic()
        if now - index.checked_at < self.recheck_seconds:
            return index
        identity = self._identity()
        index = (
            self._load(identity)
            if identity != index.identity
            else _Index(index.identity, index.by_prompt, index.files, index.recorded, now)
        )
        self._index = index
        return index

    def _identity(self) -> tuple[int, ...] | None:
        """Changes when a build rewrites the manifest, or files are added or deleted by hand."""
        try:
            st = os.stat(self._manifest)
            directory = os.stat(self.audio_dir)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size, directory.st_mtime_ns)

    def _load(self, identity: tuple[int, ...] | None) -> _Index:
        now = time.monotonic()
        if identity is None:
            return _Index(None, {}, _EMPTY_FILES, {}, now)
        try:
            manifest = read_manifest(self.audio_dir)
        except (ManifestError, OSError) as exc:
            log.warning("ignoring %s (prompts fall back to <Say>): %s", self._manifest, exc)
            return _Index(identity, {}, _EMPTY_FILES, {}, now)
        if manifest is None or manifest.format != FORMAT:
            return _Index(identity, {}, _EMPTY_FILES, {}, now)
        usable = {e.file for e in manifest.entries if self._usable(e.file, e.fingerprint)}
        by_prompt = {(e.text, e.voice, e.rate): e.file for e in manifest.entries if e.file in usable}
        recorded = {e.file: e.fingerprint for e in manifest.entries if e.file in usable}
        return _Index(identity, by_prompt, frozenset(by_prompt.values()), recorded, now)

    def _usable(self, name: str, recorded: Fingerprint | None) -> bool:
        """Listed and still as the build wrote it, as far as a ``stat`` tells: a regular file (not a
        symlink) of the recorded size. A file deleted, truncated or replaced by hand is said with
        ``<Say>`` instead; the web checks again when serving (``ivr.web.audio_files``)."""
        try:
            info = os.lstat(self.audio_dir / name)
        except OSError:
            return False
        if not stat.S_ISREG(info.st_mode):
            log.warning("not serving %s: it is not a regular file (run `ivr audio build`)", name)
            return False
        if recorded is not None and info.st_size != recorded.size:
            log.warning("not serving %s: %d bytes, the manifest says %d", name, info.st_size, recorded.size)
            return False
        return True
