"""``GET /audio/<name>``: serves the pre-rendered prompts to Twilio (and browsers), and nothing else.

Only names that look like a generated file (20 hex digits + ``.wav``) *and* that the current manifest
lists are served; everything else is 404: traversal (``../pyproject.toml``, ``%2e%2e/``), absolute
paths, the manifest itself, temporary files of a build in progress, files no longer used. The name is
checked before any path is built, so no user input ever reaches the filesystem.

And only the file itself: it is opened with ``O_NOFOLLOW`` and must be a regular file
(``ivr.audio.integrity.read_own``), so a symlink under a listed name (``-> /etc/passwd``) is 404, not
followed out of ``audio/``; and it must have the size and sha256 the manifest records, so a WAV
truncated or altered after the build is 404 (``ivr audio build`` repairs it) rather than a file whose
header claims twice its length. The bytes sent are the ones checked (read once, at most a few
hundred KB, hashed in about a millisecond; Twilio fetches each file once, see below), so
``Content-Length`` is their real length. A file refused here is also no longer played
(``AudioLibrary.refuse``): its prompt is said with ``<Say>`` until the next build, rather than
``<Play>``ed as silence.

A file's name is its content address (``ivr.audio.cache``): a changed prompt gets a new name, so a
served file never changes. Responses say so (``Cache-Control: public, max-age=1 year, immutable``) and
carry an ETag, so Twilio's media cache and browsers fetch each prompt once; ``If-None-Match`` gets 304
and ``Range`` requests (browsers' audio elements) get 206, both by ``flask.send_file``.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, Response, abort, send_file

from ivr.audio.cache import is_audio_file_name
from ivr.audio.integrity import Fingerprint, NotOurFile, read_own
from ivr.audio.library import AudioLibrary

MIMETYPE = "audio/wav"  # what Twilio's <Play> documents; browsers accept it too (audio/x-wav is the older alias)
MAX_AGE_SECONDS = 365 * 24 * 3600


def audio_blueprint(audio_dir: str | Path, library: AudioLibrary | None = None) -> Blueprint:
    """A blueprint serving ``/audio/<name>`` from ``audio_dir``; pass the app's ``AudioLibrary`` to share it."""
    root = Path(audio_dir).resolve()
    known = library if library is not None else AudioLibrary(root)
    blueprint = Blueprint("audio_files", __name__)

    @blueprint.get("/audio/<name>")
    def audio_file(name: str) -> Response:
        if not is_audio_file_name(name) or name not in known.files():
            abort(404)
        try:
            opened = read_own(root / name)
        except FileNotFoundError:  # listed, but deleted by hand since the manifest was read
            known.refuse(name, "missing")
            abort(404)
        except NotOurFile as exc:
            known.refuse(name, exc.strerror)
            abort(404)
        recorded = known.recorded(name)
        if recorded is not None:
            found = Fingerprint.of(opened.data)
            if found.size != recorded.size:
                known.refuse(name, f"{found.size} bytes, the manifest says {recorded.size}")
                abort(404)
            if found.sha256 != recorded.sha256:
                known.refuse(name, "its content differs from the manifest's sha256")
                abort(404)
        response = send_file(
            io.BytesIO(opened.data),
            mimetype=MIMETYPE,
            conditional=True,
            etag=_etag(name, recorded),
            last_modified=opened.mtime,
            max_age=MAX_AGE_SECONDS,
        )
        response.cache_control.immutable = True
        return response

    return blueprint


def audio_health(library: AudioLibrary, played: bool) -> dict[str, object]:
    """What ``/healthz`` says of the audio: listed files the line does not play, and why. While the
    line plays audio (``USE_AUDIO``), any such file makes the status "degraded": its prompt is
    said with ``<Say>``, in another voice than the rest, until ``ivr audio build`` repairs it."""
    refused = library.refused()
    return {
        "folder": str(library.audio_dir),
        "played": played,
        "files": len(library.files() - refused.keys()),
        "refused": refused,
        "degraded": played and bool(refused),
    }


def _etag(name: str, recorded: Fingerprint | None) -> str:
    """The content hash when the manifest has it, else the name (itself a hash of what is said)."""
    return recorded.sha256 if recorded is not None else name.removesuffix(".wav")
