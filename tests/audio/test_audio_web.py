"""GET /audio/<name>: the right file with cache headers, 304 on revalidation, 404 for everything else."""

from __future__ import annotations

import numpy as np
import pytest
from flask import Flask

from ivr.audio.cache import FORMAT, file_name
from ivr.audio.manifest import Entry, Manifest, write_manifest
from ivr.audio.telephony import encode_wav
from ivr.web.audio_files import audio_blueprint


@pytest.fixture()
def served(tmp_path):
    audio_dir = tmp_path / "audio"
    audio_dir.mkdir()
    (tmp_path / "secret.txt").write_text("not for callers")
    name = file_name("Welcome.", "gmw/en-us", 160)
    data = encode_wav(np.zeros(800, dtype=np.int16))
    (audio_dir / name).write_bytes(data)
    (audio_dir / ("f" * 20 + ".wav")).write_bytes(data)  # right pattern, not in the manifest
    write_manifest(audio_dir, Manifest(FORMAT, (Entry("en-US", "Welcome.", name, "gmw/en-us", 160, 0.1, None),)))
    app = Flask(__name__)
    app.register_blueprint(audio_blueprint(audio_dir))
    return app.test_client(), name, data


def test_a_listed_file_is_served_with_immutable_cache_headers(served):
    client, name, data = served
    response = client.get(f"/audio/{name}")
    assert response.status_code == 200
    assert response.mimetype in ("audio/wav", "audio/x-wav")
    assert response.data == data
    assert response.headers["ETag"]
    cache = response.cache_control
    assert cache.public and cache.immutable and cache.max_age >= 86400


def test_revalidation_gets_304_and_ranges_get_206(served):
    client, name, data = served
    etag = client.get(f"/audio/{name}").headers["ETag"]
    again = client.get(f"/audio/{name}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    part = client.get(f"/audio/{name}", headers={"Range": "bytes=0-43"})
    assert part.status_code == 206 and part.data == data[:44]


@pytest.mark.parametrize(
    "path",
    [
        "/audio/../pyproject.toml",
        "/audio/%2e%2e/pyproject.toml",
        "/audio/%2e%2e%2fsecret.txt",
        "/audio/..%2fsecret.txt",
        "/audio/%2fetc%2fpasswd",
        "/audio//etc/passwd",
        "/audio/manifest.json",
        "/audio/.build.lock",
        "/audio/" + "f" * 20 + ".wav",  # the right shape but not in the manifest
        "/audio/" + "0" * 20 + ".wav",  # unknown
        "/audio/" + "A" * 20 + ".WAV",
        "/audio/",
    ],
)
def test_anything_else_is_404(served, path):
    client, _, _ = served
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 404, path
    assert b"not for callers" not in response.data
