"""The README's main-job command really sets up, builds the audio and serves the wallet line."""

import os
import re
import signal
import socket
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import requests

ROOT = Path(__file__).parents[1]
STARTUP_SECONDS = 300  # setup.sh may pip-install on a cold machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_script_builds_audio_and_answers_calls_with_it():
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1"}
    env.pop("TWILIO_AUTH_TOKEN", None)
    process = subprocess.Popen(
        ["bash", "scripts/serve.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, process.stdout.read().decode(errors="replace")
            try:
                if requests.get(f"{base}/healthz", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the service did not come up"
            time.sleep(0.5)
        assert (ROOT / "audio" / "manifest.json").is_file()
        root = ET.fromstring(requests.post(f"{base}/voice/node/main?lang=zh-CN", timeout=5).content)
        [play] = root.find("Gather")
        assert play.tag == "Play", "the main menu should be played from pre-rendered audio"
        audio = requests.get(play.text, timeout=5)
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF"

        # The browser phone at the address the command prints: a call placed there plays the built audio.
        browser = requests.Session()
        page = browser.get(f"{base}/console/phone", timeout=10)
        assert page.status_code == 200
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        update = browser.post(f"{base}/console/phone/calls", json={}, headers={"X-CSRF-Token": csrf}, timeout=30).json()
        sound = browser.get(base + update["sounds"][0]["url"], timeout=30)
        assert sound.status_code == 200 and sound.content[:4] == b"RIFF"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    printed = process.stdout.read().decode(errors="replace")
    assert f"{base}/console/phone" in printed, "the command should say where the phone page is"
