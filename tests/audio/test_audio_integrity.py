"""The audio folder does not trust what it finds: a truncated WAV, a symlink out, a FIFO.

A real build (pyttsx3/espeak-ng) of a few prompts of the example menu; then the folder is damaged
as a careless operator or an attacker would, and ``--check``, the build and ``/audio`` (the real
Flask app, over real HTTP on 127.0.0.1 where HTTP is the point) are asked about it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests
from audio_support import keep_first_utterances
from werkzeug.serving import make_server

from ivr.audio.integrity import wav_is_whole
from ivr.cli import main
from ivr.simulator import validate_twiml
from ivr.web import create_app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "menus" / "examples" / "minimal.yaml")


@pytest.fixture(autouse=True)
def few_prompts(monkeypatch):
    """Four texts of the example menu (plus the welcome the limits measure): the test stays fast."""
    keep_first_utterances(monkeypatch, 4)


@pytest.fixture()
def built(tmp_path, capsys) -> Path:
    audio = tmp_path / "audio"
    assert main(["audio", "build", "--menu", EXAMPLE, "--audio-dir", str(audio), "--no-progress"]) == 0
    capsys.readouterr()
    return audio


def _listed(audio: Path) -> list[dict]:
    return json.loads((audio / "manifest.json").read_text(encoding="utf-8"))["prompts"]


def _build(audio: Path, *more: str) -> int:
    return main(["audio", "build", "--menu", EXAMPLE, "--audio-dir", str(audio), "--no-progress", *more])


def test_the_manifest_records_each_files_real_size_and_sha256(built):
    import hashlib

    for entry in _listed(built):
        data = (built / entry["file"]).read_bytes()
        assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_wav_truncated_to_half_fails_the_check_naming_it_and_a_build_repairs_it(built, capsys):
    entry = _listed(built)[0]
    path = built / entry["file"]
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])

    assert _build(built, "--check") == 1
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if entry["file"] in line)
    assert line.startswith(f"{path}: {len(whole) // 2} bytes, the manifest says {len(whole)}")

    assert _build(built) == 0
    assert "1 rendered" in capsys.readouterr().out
    repaired = path.read_bytes()  # espeak-ng's output varies by a few samples from render to render
    assert wav_is_whole(repaired) and len(repaired) > len(whole) // 2 + 1000
    assert next(e for e in _listed(built) if e["file"] == path.name)["size"] == len(repaired)
    assert _build(built, "--check") == 0


def test_same_size_different_content_is_caught_by_the_hash(built, capsys):
    entry = _listed(built)[0]
    path = built / entry["file"]
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    assert _build(built, "--check") == 1
    assert f"{path}: its content differs from the manifest's sha256" in capsys.readouterr().err


def test_a_symlink_out_of_the_folder_is_refused_over_http_reported_by_check_and_replaced_by_a_build(built, capsys):
    entries = _listed(built)
    linked, kept = built / entries[0]["file"], built / entries[1]["file"]
    linked.unlink()
    linked.symlink_to("/etc/passwd")

    app = create_app({"MENU_FILE": EXAMPLE, "AUDIO_DIR": str(built)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}/audio/"
        refused = requests.get(base + linked.name, timeout=5)
        assert refused.status_code == 404 and b"root:" not in refused.content
        served = requests.get(base + kept.name, timeout=5)
        assert served.status_code == 200 and served.content == kept.read_bytes()
        assert int(served.headers["Content-Length"]) == kept.stat().st_size
    finally:
        server.shutdown()

    assert _build(built, "--check") == 1
    assert f"{linked}: a symbolic link, not a file the build wrote" in capsys.readouterr().err
    assert _build(built) == 0
    assert not linked.is_symlink() and wav_is_whole(linked.read_bytes())
    assert not wav_is_whole(Path("/etc/passwd").read_bytes())  # the build replaced the link, not its target


def test_a_file_truncated_while_serving_is_404_not_a_lying_wav(built):
    entry = _listed(built)[0]
    path = built / entry["file"]
    client = create_app({"MENU_FILE": EXAMPLE, "AUDIO_DIR": str(built)}).test_client()
    assert client.get(f"/audio/{path.name}").status_code == 200
    with open(path, "r+b") as f:  # in place: the folder's mtime does not change, the library does not reload
        f.truncate(entry["size"] // 2)
    assert client.get(f"/audio/{path.name}").status_code == 404


def test_a_fifo_under_a_listed_name_is_refused_without_waiting(built, capsys):
    entry = _listed(built)[0]
    path = built / entry["file"]
    client = create_app({"MENU_FILE": EXAMPLE, "AUDIO_DIR": str(built)}).test_client()
    path.unlink()
    os.mkfifo(path)
    assert client.get(f"/audio/{path.name}").status_code == 404  # O_NONBLOCK: no writer, no hang
    assert _build(built, "--check") == 1
    assert f"{path}: not a regular file" in capsys.readouterr().err
    assert _build(built) == 0 and path.is_file()


def test_a_wav_truncated_in_place_under_a_running_line_is_said_instead_logged_once_and_in_healthz(built, caplog):
    """The caller hears the prompt, not silence: the next answer says it with <Say> (the document
    kept for that very question included), /audio refuses the file, /healthz names it."""
    app = create_app({"MENU_FILE": EXAMPLE, "AUDIO_DIR": str(built), "CALL_STORE": "false"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        answer = requests.post(base + "/voice/incoming", data=CALLER, timeout=5).text
        played = _played(answer)
        assert played, answer
        entry = next(e for e in _listed(built) if e["file"] == played[0])
        assert requests.get(f"{base}/audio/{entry['file']}", timeout=5).status_code == 200
        assert requests.get(base + "/healthz", timeout=5).json()["audio"]["refused"] == {}

        with open(built / entry["file"], "r+b") as f:  # in place, after the build: folder and manifest unchanged
            f.truncate(entry["size"] // 2)
        with caplog.at_level(logging.WARNING, logger="ivr"):
            answers = [requests.post(base + "/voice/incoming", data=CALLER, timeout=5).text for _ in range(3)]
            fetched = requests.get(f"{base}/audio/{entry['file']}", timeout=5)
            health = requests.get(base + "/healthz", timeout=5).json()
    finally:
        server.shutdown()

    for again in answers:
        assert entry["file"] not in again and not validate_twiml(again)
        said = [e.text for e in ElementTree.fromstring(again).iter("Say")]
        assert entry["text"] in said, again
        assert _played(again) == played[1:]  # the other prompts still play
    assert fetched.status_code == 404
    assert health["status"] == "degraded"
    assert health["audio"]["refused"] == {
        entry["file"]: f"{entry['size'] // 2} bytes, the manifest says {entry['size']}"
    }
    assert sum(entry["file"] in r.getMessage() for r in caplog.records if r.name.startswith("ivr.")) == 1


CALLER = {"CallSid": "CA" + "1" * 32, "AccountSid": "AC" + "2" * 32, "From": "+8613800000000", "To": "+8610000000"}


def _played(twiml: str) -> list[str]:
    """The file names an answer <Play>s, in order."""
    return [(e.text or "").rsplit("/", 1)[-1] for e in ElementTree.fromstring(twiml).iter("Play")]
