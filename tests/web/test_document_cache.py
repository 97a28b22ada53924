"""The kept documents (ivr.web.documents) never change what a caller hears: same minute, same menu,
same audio, or the document is made again."""

import logging
import os
import shutil
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time

from ivr.menu.loader import load_tree
from ivr.web import create_app
from ivr.web.documents import DocumentCache

EXAMPLE = Path(__file__).parents[2] / "menus" / "examples" / "minimal.yaml"


@pytest.fixture
def menu_file(tmp_path):
    path = tmp_path / "menu.yaml"
    shutil.copy(EXAMPLE, path)
    return path


def app_for(menu_file):
    settings = {"MENU_FILE": str(menu_file), "AUDIO_DIR": str(menu_file.parent / "audio")}
    return create_app({**settings, "SIP_TRUNK_HOST": "trunk.example.com"})


def cache_of(app) -> DocumentCache:
    return app.extensions["ivr"]["documents"]


def test_one_app_opens_the_line_at_exactly_the_minute_it_opens(menu_file):
    client = app_for(menu_file).test_client()
    path = "/voice/node/agents/input?lang=en-US&trail=main"  # JD Pay opens 09:00 Shanghai
    data = {"Digits": "2", "To": "+14155550100"}
    with freeze_time("2026-11-24 00:59:59"):
        assert ET.fromstring(client.post(path, data=data).data).find("Dial") is None
        assert ET.fromstring(client.post(path, data=data).data).find("Dial") is None  # the kept one, still closed
    with freeze_time("2026-11-24 01:00:00"):
        assert ET.fromstring(client.post(path, data=data).data).find("Dial") is not None
    with freeze_time("2026-11-24 00:59:30"):  # a clock that goes back (tests, the simulator's --at)
        assert ET.fromstring(client.post(path, data=data).data).find("Dial") is None


def test_repeated_questions_are_answered_from_the_cache_and_identically(menu_file):
    app = app_for(menu_file)
    client = app.test_client()
    first = client.post("/voice/node/main/input?lang=en-US", data={"Digits": "1", "CallSid": "CA1"}).data
    again = client.post("/voice/node/main/input?lang=en-US", data={"Digits": "1", "CallSid": "CA2"}).data
    assert first == again
    assert cache_of(app).hits >= 1


def test_a_reload_empties_the_cache_before_the_next_answer(menu_file):
    app = app_for(menu_file)
    client = app.test_client()
    assert b"Please choose a topic." in client.post("/voice/node/main?lang=en-US").data
    text = menu_file.read_text(encoding="utf-8").replace("Please choose a topic.", "Please pick a topic.")
    menu_file.write_text(text, encoding="utf-8")
    st = menu_file.stat()
    os.utime(menu_file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    deadline = time.monotonic() + 20  # the edit loads in the background: wait until it is served
    while client.get("/healthz").get_json()["version"] == 1:
        assert time.monotonic() < deadline, "the edit was not loaded"
    assert b"Please pick a topic." in client.post("/voice/node/main?lang=en-US").data


def test_a_repaired_state_is_not_kept_so_its_warning_is_logged_every_time(menu_file, caplog):
    client = app_for(menu_file).test_client()
    with caplog.at_level(logging.WARNING, logger="ivr.web"):
        for _ in range(3):
            assert client.post("/voice/node/main?lang=xx-XX").status_code == 200
    assert caplog.text.count("repaired a malformed call state") == 3


def test_an_answer_that_failed_is_not_kept(menu_file, monkeypatch):
    from ivr.call import flow

    client = app_for(menu_file).test_client()
    real = flow.respond
    monkeypatch.setattr(flow, "respond", lambda *args: (_ for _ in ()).throw(RuntimeError("boom")))
    sorry = client.post("/voice/node/main/input?lang=en-US", data={"Digits": "1"}).data
    assert b"Sorry, something went wrong" in sorry
    monkeypatch.setattr(flow, "respond", real)
    assert b"Ask for the refund" in client.post("/voice/node/main/input?lang=en-US", data={"Digits": "1"}).data


class _Audio:
    """A stand-in audio lookup whose answers can change, as after ``ivr audio build``."""

    def __init__(self):
        self.files: dict[str, str] = {}
        self.calls = 0

    def __call__(self, text, language):
        self.calls += 1
        return self.files.get(text)


def test_a_document_is_made_again_when_an_audio_lookup_it_used_changes():
    tree = load_tree(EXAMPLE)
    audio = _Audio()
    cache = DocumentCache(audio)
    at = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    builds = []

    def build(find_audio):
        builds.append(1)
        return f"<Response>{find_audio('hello', tree.languages['en-US'])}</Response>"

    assert cache.document(tree, at, ("k",), build) == "<Response>None</Response>"
    assert cache.document(tree, at, ("k",), build) == "<Response>None</Response>" and len(builds) == 1
    audio.files["hello"] = "https://ivr.example.com/audio/0123.wav"
    assert "0123.wav" in cache.document(tree, at, ("k",), build) and len(builds) == 2


def test_the_cache_is_bounded_and_skips_huge_keys():
    tree = load_tree(EXAMPLE)
    cache = DocumentCache(None, max_entries=3, max_key_chars=100)
    at = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    for i in range(10):
        cache.document(tree, at, (f"key{i}",), lambda _audio: "<Response/>")
    assert len(cache) == 3
    cache.document(tree, at, ("x" * 500,), lambda _audio: "<Response/>")
    assert len(cache) == 3


def test_a_new_minute_empties_the_cache_so_memory_stays_flat():
    tree = load_tree(EXAMPLE)
    cache = DocumentCache(None)
    for i in range(5):
        cache.document(tree, datetime(2026, 11, 24, 3, 0, 10, tzinfo=UTC), (f"key{i}",), lambda _audio: "<Response/>")
    assert len(cache) == 5
    cache.document(tree, datetime(2026, 11, 24, 3, 1, 0, tzinfo=UTC), ("key0",), lambda _audio: "<Response/>")
    assert len(cache) == 1
