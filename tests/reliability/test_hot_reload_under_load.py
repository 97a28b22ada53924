"""Editing the menu while calls flow: no request fails, a broken file is never served, an edit is
served from the next webhook on.

A real HTTP server (werkzeug, threaded) on 127.0.0.1 answers four client threads while the test
replaces the menu file three ways: an invalid edit by atomic rename (what an editor or ``cp`` +
``mv`` does), a valid edit written in place in two halves with a pause between them (a slow
editor; the half file is invalid), and another valid edit by atomic rename. Each response is
classified by the main menu's prompt, which every version says differently.

The checks use causality, not timing: a response that *finished* before a write completed can only
be the old menu, and a request that *started* after ``/healthz`` said the new menu is served must
get it (an edit is loaded in the background, so no request waits for it; the test waits, polling
with a deadline). Bounded: at most 400 requests per client and 20 s in all.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from werkzeug.serving import make_server

from ivr.simulator import validate_twiml
from ivr.web import create_app

EXAMPLE = Path(__file__).resolve().parents[2] / "menus" / "examples" / "minimal.yaml"
ORIGINAL = "Please choose a topic."
VERSIONS = {"original": ORIGINAL, "invalid": "INVALID-MARKER topic.", "one": "EDITED one.", "two": "EDITED two."}
CLIENTS = 4
MAX_PER_CLIENT = 400
TIME_LIMIT = 20.0
REQUESTS = [  # both answer with the English main menu
    ("/voice/node/main?lang=en-US", {}),
    ("/voice/node/welcome/input?lang=zh-CN", {"Digits": "2"}),
]


@dataclass(frozen=True)
class Result:
    started: float
    finished: float
    status: int | None
    version: str  # which prompt the answer said, or what went wrong


def classify(status: int, body: str) -> str:
    found = [name for name, prompt in VERSIONS.items() if prompt in body]
    if status != 200 or validate_twiml(body) or len(found) != 1:
        return f"bad answer (HTTP {status}): {body[:300]}"
    return found[0]


def test_hot_reload_under_load(tmp_path):
    menu = tmp_path / "menu.yaml"
    shutil.copy(EXAMPLE, menu)
    text = menu.read_text(encoding="utf-8")
    assert text.count(ORIGINAL) == 1
    invalid = text.replace(ORIGINAL, VERSIONS["invalid"]).replace("goto: refunds", "goto: refundz")
    one = text.replace(ORIGINAL, VERSIONS["one"])
    two = text.replace(ORIGINAL, VERSIONS["two"])
    # Cut the in-place write after the main menu's prompt and before the node it leads to, so the
    # first half is a file that cannot load (main's option 1 targets a node not yet written).
    cut = one.index("\n  refunds:")
    assert one.index(VERSIONS["one"]) < cut

    app = create_app({"MENU_FILE": str(menu), "AUDIO_DIR": str(tmp_path / "audio")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}"
    results: list[Result] = []
    lock = threading.Lock()
    stop = threading.Event()
    deadline = time.monotonic() + TIME_LIMIT

    def client(index: int) -> None:
        with requests.Session() as session:
            for n in range(MAX_PER_CLIENT):
                if stop.is_set() or time.monotonic() > deadline:
                    return
                path, data = REQUESTS[(n + index) % len(REQUESTS)]
                started = time.monotonic()
                try:
                    response = session.post(base + path, data=data, timeout=10)
                    result = Result(
                        started, time.monotonic(), response.status_code, classify(response.status_code, response.text)
                    )
                except requests.RequestException as exc:
                    result = Result(started, time.monotonic(), None, f"failed: {exc!r}")
                with lock:
                    results.append(result)

    def wait_for_requests_after(moment: float, count: int = 20) -> None:
        """Let ``count`` requests start (and finish) after ``moment``: each state of the file meets load."""
        while time.monotonic() < deadline:
            with lock:
                if sum(r.started >= moment for r in results) >= count:
                    return
            time.sleep(0.01)
        raise AssertionError(f"the clients sent fewer than {count} requests in a phase; results so far: {len(results)}")

    def served(text: str) -> float:
        """The moment ``/healthz`` first says ``text`` is the menu served (polled until the deadline)."""
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        while time.monotonic() < deadline:
            if requests.get(base + "/healthz", timeout=10).json()["served"]["sha256"] == digest:
                return time.monotonic()
        raise AssertionError("the edit was not served before the deadline")

    def rejected() -> None:
        while time.monotonic() < deadline:
            if requests.get(base + "/healthz", timeout=10).json()["file"]["state"] == "rejected":
                return
        raise AssertionError("the invalid edit was not rejected before the deadline")

    def bump_mtime() -> None:
        # Some filesystems keep coarse timestamps; the size or inode changes anyway, this makes sure.
        st = menu.stat()
        os.utime(menu, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))

    clients = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
    try:
        for thread in clients:
            thread.start()
        wait_for_requests_after(0.0)

        # 1. an invalid edit, atomically renamed over the file
        replacement = tmp_path / "menu.yaml.new"
        replacement.write_text(invalid, encoding="utf-8")
        os.replace(replacement, menu)
        rejected()
        wait_for_requests_after(time.monotonic())

        # 2. a valid edit written in place, in two halves with load in between
        half_started = time.monotonic()
        with menu.open("w", encoding="utf-8") as out:
            out.write(one[:cut])
            out.flush()
            os.fsync(out.fileno())
            wait_for_requests_after(time.monotonic())
            # From here the file may be complete and valid at any moment (before our bookkeeping
            # below), so serving "one" is correct from this instant on.
            completing = time.monotonic()
            out.write(one[cut:])
            out.flush()
            os.fsync(out.fileno())
        bump_mtime()
        one_done = served(one)
        wait_for_requests_after(one_done)

        # 3. another valid edit, atomically renamed
        replacement.write_text(two, encoding="utf-8")
        os.replace(replacement, menu)
        two_done = served(two)
        wait_for_requests_after(two_done)
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=15)
        server.shutdown()
        serving.join(timeout=5)

    assert len(results) >= 80
    failures = [r for r in results if r.version not in VERSIONS]
    assert not failures, f"{len(failures)} of {len(results)} requests failed, e.g. {failures[:3]}"
    assert not [r for r in results if r.version == "invalid"], "the invalid menu was served"
    before_one = [r.version for r in results if r.finished < completing]
    assert set(before_one) == {"original"}, "before the in-place write completed, only the original may be served"
    assert any(r.started >= half_started and r.finished < completing for r in results)  # the half file met load
    assert {r.version for r in results if r.started >= one_done} <= {"one", "two"}, "the edit did not take effect"
    assert {r.version for r in results if r.started >= two_done} == {"two"}, "the second edit did not take effect"
