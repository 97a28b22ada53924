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

"Still" is checked on every lookup, with one ``lstat`` of the file (about a microsecond): a WAV
truncated or replaced in place after the build changes neither the manifest nor the folder, so the
index alone would keep naming it, the TwiML would ``<Play>`` a file ``/audio`` refuses, and the caller
would hear nothing. A file found broken (here, or by ``/audio``, which also checks its sha256) is
logged once, said with ``<Say>`` from then on, and listed by ``refused()`` for ``/healthz``, until
the next build rewrites the manifest.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
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
    refused: dict[str, str]  # listed file name -> why it is not played (found when the index was built, or since)


_EMPTY_FILES: frozenset[str] = frozenset()


class AudioLibrary:
    """Answers "is there a current recording of this text?" for one audio directory, cheaply."""

    def __init__(self, audio_dir: str | Path, recheck_seconds: float = RECHECK_SECONDS):
        self.audio_dir = Path(audio_dir)
        self.recheck_seconds = recheck_seconds
        self._manifest = manifest_path(self.audio_dir)
        self._folder = os.fspath(self.audio_dir) + os.sep  # a str prefix: a Path join costs more than the lstat
        self._lock = threading.Lock()
        self._index = self._load(self._identity())

    def lookup(self, text: str, language: Language) -> str | None:
        """The file name (relative to the audio directory) for ``text`` in ``language``'s voice, else None."""
        index = self._current()
        name = index.by_prompt.get((text, language.tts_voice, language.tts_rate))
        if name is None or name in index.refused:
            return None
        problem = self._problem(name, index.recorded.get(name))
        if problem is not None:
            self.refuse(name, problem)
            return None
        return name

    def refuse(self, name: str, reason: str) -> None:
        """Stop playing ``name`` (it is not what the build wrote: ``reason``) until the next build; logged once."""
        index = self._index
        if name in index.refused or name not in index.files:
            return
        with self._lock:
            if name in index.refused:
                return
            index.refused[name] = reason  # the index's own dict: a new build's index starts afresh
        log.warning("not playing %s any more: %s; its prompt is said with <Say> (run `ivr audio build`)", name, reason)

    def refused(self) -> dict[str, str]:
        """Listed files the line does not play, and why (for ``/healthz``)."""
        return dict(self._current().refused)

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
            else _Index(index.identity, index.by_prompt, index.files, index.recorded, now, index.refused)
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
            return _Index(None, {}, _EMPTY_FILES, {}, now, {})
        try:
            manifest = read_manifest(self.audio_dir)
        except (ManifestError, OSError) as exc:
            log.warning("ignoring %s (prompts fall back to <Say>): %s", self._manifest, exc)
            return _Index(identity, {}, _EMPTY_FILES, {}, now, {})
        if manifest is None or manifest.format != FORMAT:
            return _Index(identity, {}, _EMPTY_FILES, {}, now, {})
        refused: dict[str, str] = {}
        for entry in manifest.entries:
            problem = self._problem(entry.file, entry.fingerprint)
            if problem is not None and entry.file not in refused:
                refused[entry.file] = problem
                log.warning("not serving %s: %s (run `ivr audio build`)", entry.file, problem)
        by_prompt = {(e.text, e.voice, e.rate): e.file for e in manifest.entries if e.file not in refused}
        recorded = {e.file: e.fingerprint for e in manifest.entries if e.file not in refused}
        files = frozenset(by_prompt.values())
        return _Index(identity, by_prompt, files, recorded, now, refused)

    def _problem(self, name: str, recorded: Fingerprint | None) -> str | None:
        """Why ``name`` is not as the build wrote it, as far as an ``lstat`` tells (None: it looks so):
        not a regular file (a symlink, a FIFO), gone, or not of the recorded size. The web checks
        again, size and sha256, when serving it (``ivr.web.audio_files``)."""
        try:
            info = os.lstat(self._folder + name)
        except FileNotFoundError:
            return "missing"
        except OSError as exc:
            return f"cannot be read ({exc.strerror})"
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        if recorded is not None and info.st_size != recorded.size:
            return f"{info.st_size} bytes, the manifest says {recorded.size}"
        return None
