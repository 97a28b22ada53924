"""``audio/manifest.json``: which file holds each prompt (text + language), and how it was made.

The manifest is the audio directory's index and its commit point. A build writes every new audio file
first and the manifest last, each by writing a temporary file and renaming it over the old one (a rename
within one directory is atomic on POSIX), then deletes the files the new manifest no longer names. So at
every instant the manifest a reader sees names only complete files, and a running service never serves
a half-written prompt. Readers notice a rebuild by the manifest's mtime (``ivr.audio.library``).

Entries are sorted (language, then text) so the file diffs readably and rewriting it with the same
content is a no-op. Each records its file's size and sha256 (``ivr.audio.integrity``), so a file
changed on disk after the build (truncated, replaced, a symlink put in its place) is told apart.
This module is pure (no numpy, no pyttsx3): the request path imports it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from ivr.audio.integrity import Fingerprint

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
TEMP_PREFIX = ".tmp-"  # temporary files in the audio directory; never served, removed by the next build


class ManifestError(ValueError):
    """The manifest exists but cannot be read as one (hand-edited, or from an incompatible version)."""


@dataclass(frozen=True, order=True)
class Entry:
    """One prompt: what is said, in which language and voice, and the file that says it."""

    lang: str
    text: str
    file: str
    voice: str
    rate: int
    duration: float  # seconds
    source: str | None  # "menus/wallet.yaml:42": where the text is written
    phonetic: str = ""  # what the synthesizer was given (ivr.audio.phonetic): pinyin for Mandarin
    size: int = 0  # bytes of the file as written (0: not recorded, a manifest from before they were)
    sha256: str = ""  # of the file's bytes: --check and the build re-render a file that differs

    @property
    def fingerprint(self) -> Fingerprint | None:
        return Fingerprint(self.size, self.sha256) if self.size and self.sha256 else None


@dataclass(frozen=True)
class Manifest:
    format: str  # ivr.audio.cache.FORMAT of every file listed
    entries: tuple[Entry, ...]

    def files(self) -> frozenset[str]:
        return frozenset(e.file for e in self.entries)

    def to_json(self) -> str:
        data = {
            "manifest_version": MANIFEST_VERSION,
            "format": self.format,
            "prompts": [asdict(e) for e in sorted(self.entries)],
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            data = json.loads(text)
            if data.get("manifest_version") != MANIFEST_VERSION:
                raise ManifestError(f"manifest version {data.get('manifest_version')!r}, expected {MANIFEST_VERSION}")
            entries = tuple(
                Entry(
                    lang=str(p["lang"]),
                    text=str(p["text"]),
                    file=str(p["file"]),
                    voice=str(p["voice"]),
                    rate=int(p["rate"]),
                    duration=float(p["duration"]),
                    source=None if p.get("source") is None else str(p["source"]),
                    phonetic=str(p.get("phonetic", p["text"])),
                    size=int(p.get("size", 0)),
                    sha256=str(p.get("sha256", "")),
                )
                for p in data["prompts"]
            )
            return cls(format=str(data["format"]), entries=entries)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            if isinstance(exc, ManifestError):
                raise
            raise ManifestError(f"not a valid audio manifest: {exc}") from exc


def manifest_path(audio_dir: str | Path) -> Path:
    return Path(audio_dir) / MANIFEST_NAME


def read_manifest(audio_dir: str | Path) -> Manifest | None:
    """The directory's manifest, or None if there is none yet; ``ManifestError`` if it is unreadable."""
    try:
        text = manifest_path(audio_dir).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return Manifest.from_json(text)


def write_manifest(audio_dir: str | Path, manifest: Manifest) -> bool:
    """Write the manifest atomically; return False (and leave the file and its mtime alone) if unchanged."""
    path = manifest_path(audio_dir)
    data = manifest.to_json().encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, data)
    return True


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the complete new one, never a part."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the web server may run as another user
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def entries_by_file(entries: Iterable[Entry]) -> dict[str, Entry]:
    return {e.file: e for e in entries}
