"""``GET /audio/<name>``: serves the pre-rendered prompts to Twilio (and browsers), and nothing else.

Only names that look like a generated file (20 hex digits + ``.wav``) *and* that the current manifest
lists are served; everything else is 404: traversal (``../pyproject.toml``, ``%2e%2e/``), absolute
paths, the manifest itself, temporary files of a build in progress, files no longer used. The name is
checked before any path is built, so no user input ever reaches the filesystem.

A file's name is its content address (``ivr.audio.cache``): a changed prompt gets a new name, so a
served file never changes. Responses say so (``Cache-Control: public, max-age=1 year, immutable``) and
carry an ETag, so Twilio's media cache and browsers fetch each prompt once; ``If-None-Match`` gets 304
and ``Range`` requests (browsers' audio elements) get 206, both by ``flask.send_file``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, send_file

from ivr.audio.cache import is_audio_file_name
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
        path = root / name
        if not path.is_file():  # listed, but deleted by hand since the manifest was read
            abort(404)
        response = send_file(path, mimetype=MIMETYPE, conditional=True, etag=True, max_age=MAX_AGE_SECONDS)
        response.cache_control.immutable = True
        return response

    return blueprint
