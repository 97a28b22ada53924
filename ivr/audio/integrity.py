"""Is the file in ``audio/`` the one the build wrote? Size and sha256 against the manifest, no symlinks.

A file's name says what it should contain (``ivr.audio.cache``), but nothing on disk enforces it: a
copy cut short by a full disk, a WAV truncated to half (its header still claiming the full length), or
a symbolic link someone put under a listed name (``-> /etc/passwd``) all look current by name alone.
So the manifest records each file's size and sha256, and everything that reads a prompt file goes
through ``read_own``: it opens the name itself, never what a symlink points to (``O_NOFOLLOW``), never
blocks on a FIFO (``O_NONBLOCK``), and accepts only a regular file. The build re-renders a file that
fails ``verify``; ``--check`` names it; the web refuses to serve it.

Pure (``os``, ``hashlib``, ``struct``): the request path imports it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

WAV_HEADER_BYTES = 44  # RIFF/WAVE with one fmt chunk and one data chunk: what telephony.encode_wav writes
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class NotOurFile(OSError):
    """The name exists but is not a regular file the build could have written (a symlink, a FIFO, a folder)."""


@dataclass(frozen=True)
class Fingerprint:
    """What the manifest records of a file: enough to tell it apart from any other content."""

    size: int
    sha256: str

    @classmethod
    def of(cls, data: bytes) -> Fingerprint:
        return cls(len(data), hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class Opened:
    data: bytes
    mtime: float


def read_own(path: str | Path) -> Opened:
    """The bytes of the regular file at ``path``; ``FileNotFoundError`` or ``NotOurFile`` otherwise.

    ``O_NOFOLLOW`` makes opening a symlink fail (ELOOP) instead of reading its target, and the
    ``fstat`` is of the opened descriptor, so there is no gap between checking and reading.
    """
    try:
        fd = os.open(path, READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotOurFile(errno.ELOOP, "a symbolic link, not a file the build wrote", str(path)) from None
        if exc.errno in (errno.ENXIO, errno.EISDIR):  # a FIFO with no writer; a folder
            raise NotOurFile(exc.errno, "not a regular file", str(path)) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotOurFile(errno.EINVAL, "not a regular file", str(path))
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return Opened(b"".join(chunks), info.st_mtime)
    finally:
        os.close(fd)


def problem(path: str | Path, recorded: Fingerprint | None) -> tuple[str | None, Fingerprint | None]:
    """Why the file at ``path`` is not the recorded one (None if it is), and its fingerprint if readable.

    With no record (a manifest from before sizes were kept), the WAV must at least be whole: its
    header's lengths must match the file's, which a truncated or padded file's do not.
    """
    try:
        data = read_own(path).data
    except FileNotFoundError:
        return "missing", None
    except NotOurFile as exc:
        return exc.strerror, None
    except OSError as exc:
        return f"cannot be read ({exc.strerror})", None
    found = Fingerprint.of(data)
    if recorded is None:
        return (None if wav_is_whole(data) else "not a whole WAV file (its header's length does not match)"), found
    if found.size != recorded.size:
        return f"{found.size} bytes, the manifest says {recorded.size} (truncated or replaced)", found
    if found.sha256 != recorded.sha256:
        return "its content differs from the manifest's sha256", found
    return None, found


def wav_is_whole(data: bytes) -> bool:
    """True if ``data`` is a RIFF/WAVE file whose RIFF and data chunk sizes match its length."""
    if len(data) <= WAV_HEADER_BYTES or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return False
    riff_size = struct.unpack_from("<I", data, 4)[0]
    if riff_size + 8 != len(data):
        return False
    at = 12
    while at + 8 <= len(data):
        chunk, size = data[at : at + 4], struct.unpack_from("<I", data, at + 4)[0]
        if chunk == b"data":
            return at + 8 + size == len(data)
        at += 8 + size + (size & 1)
    return False
