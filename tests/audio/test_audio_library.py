"""The runtime lookup: a file only for exactly the built text, voice, rate and format; reloads on rebuild."""

from __future__ import annotations

import os
from dataclasses import replace

from ivr.audio import Utterance
from ivr.audio.build import build
from ivr.audio.cache import FORMAT, file_name
from ivr.audio.library import AudioLibrary
from ivr.audio.manifest import Entry, Manifest, write_manifest
from ivr.menu.model import Source

WHERE = Source("menus/wallet.yaml", 5)


def fake_build(audio_dir, texts, voice="gmw/en-us", rate=160, fmt=FORMAT):
    """A manifest and placeholder files, as a build would leave them (no TTS needed for lookups)."""
    entries = []
    for text in texts:
        name = file_name(text, voice, rate, fmt)
        (audio_dir / name).write_bytes(b"RIFF")
        entries.append(Entry("en-US", text, name, voice, rate, 1.0, str(WHERE)))
    write_manifest(audio_dir, Manifest(fmt, tuple(entries)))


def test_lookup_finds_a_built_text_and_nothing_after_it_changes(tmp_path, languages):
    en = languages["en-US"]
    build([Utterance("Welcome.", "en-US", WHERE)], languages, tmp_path, progress=False)
    library = AudioLibrary(tmp_path, recheck_seconds=0)
    name = library.lookup("Welcome.", en)
    assert name is not None and (tmp_path / name).is_file()
    assert library.lookup("Welcome!", en) is None  # not exactly the text
    assert library.lookup("Welcome.", replace(en, tts_rate=161)) is None  # another rate
    assert library.lookup("Welcome.", replace(en, tts_voice="gmw/en")) is None  # another voice

    build([Utterance("Welcome, edited.", "en-US", WHERE)], languages, tmp_path, progress=False)
    assert library.lookup("Welcome.", en) is None  # seen without a restart
    assert library.lookup("Welcome, edited.", en) is not None


def test_the_manifest_is_re_read_at_most_once_per_interval(tmp_path, languages):
    en = languages["en-US"]
    fake_build(tmp_path, ["One."])
    library = AudioLibrary(tmp_path, recheck_seconds=3600)
    assert library.lookup("One.", en) is not None
    fake_build(tmp_path, ["Two."])
    assert library.lookup("Two.", en) is None  # within the interval: the old index, not even a stat
    library.recheck_seconds = 0
    assert library.lookup("Two.", en) is not None
    assert library.lookup("One.", en) is None


def test_a_rewrite_within_the_same_second_is_noticed(tmp_path, languages):
    en = languages["en-US"]
    fake_build(tmp_path, ["One."])
    library = AudioLibrary(tmp_path, recheck_seconds=0)
    assert library.lookup("One.", en) is not None
    stat = os.stat(tmp_path / "manifest.json")
    fake_build(tmp_path, ["Two."])
    os.utime(tmp_path / "manifest.json", ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: inode differs
    assert library.lookup("Two.", en) is not None


def test_no_directory_a_broken_manifest_or_another_format_means_no_files(tmp_path, languages):
    en = languages["en-US"]
    assert AudioLibrary(tmp_path / "missing").lookup("One.", en) is None
    (tmp_path / "manifest.json").write_text("{not json")
    assert AudioLibrary(tmp_path).lookup("One.", en) is None
    fake_build(tmp_path, ["One."], fmt="wav/mulaw/8000/mono/v0")
    assert AudioLibrary(tmp_path).lookup("One.", en) is None


def test_a_listed_file_deleted_by_hand_is_not_returned(tmp_path, languages):
    en = languages["en-US"]
    fake_build(tmp_path, ["One."])
    (tmp_path / file_name("One.", "gmw/en-us", 160)).unlink()
    assert AudioLibrary(tmp_path).lookup("One.", en) is None


def test_lookups_within_the_interval_touch_no_file(tmp_path, languages, monkeypatch):
    en = languages["en-US"]
    fake_build(tmp_path, [f"Prompt {n}." for n in range(50)])
    library = AudioLibrary(tmp_path)  # the default interval: one second
    stats = []
    monkeypatch.setattr(library, "_identity", lambda: stats.append(1))  # the only I/O a lookup can do
    found = [library.lookup(f"Prompt {n % 60}.", en) for n in range(600)]
    assert stats == []  # a dictionary access per lookup
    assert sum(f is not None for f in found) == 500  # "Prompt 0." to "Prompt 49.", ten times each
