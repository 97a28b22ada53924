"""How long the browser phone makes a person wait: placing a call, a key press, a <Say> rendered, the diagram.

    .venv/bin/python benchmarks/phone_latency.py [--menu menus/wallet.yaml] [--runs 3]

Each run is a fresh app with an empty audio directory (so every <Say> is rendered by the TTS, none read
from a build), driven through the Flask test client like the page drives it. Prints the figures of each
run; nothing is asserted (timings belong in a report, not in tests).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def one_run(menu: str) -> str:
    from ivr.web import create_app

    with tempfile.TemporaryDirectory() as audio_dir:
        app = create_app({"USE_AUDIO": "false", "AUDIO_DIR": audio_dir, "MENU_FILE": menu})
        client = app.test_client()
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/console/phone").text).group(1)
        headers = {"X-CSRF-Token": token}
        started = time.perf_counter()
        update = client.post("/console/phone/calls", json={}, headers=headers).get_json()
        place = time.perf_counter() - started
        cold, warm = [], []
        for sound in update["sounds"]:
            started = time.perf_counter()
            client.get(sound["url"])
            cold.append(time.perf_counter() - started)
            started = time.perf_counter()
            client.get(sound["url"])
            warm.append(time.perf_counter() - started)
        started = time.perf_counter()
        client.post(f"/console/phone/calls/{update['call']}/act", json={"action": "press", "key": "1"}, headers=headers)
        press = time.perf_counter() - started
        started = time.perf_counter()
        client.get("/console/phone/diagram.svg")
        first_diagram = time.perf_counter() - started
        started = time.perf_counter()
        client.get("/console/phone/diagram.svg")
        cached_diagram = time.perf_counter() - started
        app.extensions["ivr"]["phone_calls"].shutdown()
    ms = lambda seconds: f"{seconds * 1000:.0f} ms"  # noqa: E731
    return (
        f"place a call {ms(place)}; a key press {ms(press)}; first <Say> (TTS engine start included) {ms(cold[0])}, "
        f"the next ones {', '.join(ms(s) for s in cold[1:])}; cached at most {max(warm) * 1000:.1f} ms; "
        f"diagram {ms(first_diagram)} first, {cached_diagram * 1000:.1f} ms cached"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--menu", default="menus/wallet.yaml")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for _ in range(args.runs):
        print(one_run(args.menu), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
