"""The build as a cache: hits and misses, pruning, check mode, failures with their source, atomicity.

Renders are real but tiny (a word or two, ~15 ms each in this process).
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from ivr.audio import Utterance
from ivr.audio.build import build
from ivr.audio.cache import FORMAT, file_name, is_audio_file_name
from ivr.audio.manifest import TEMP_PREFIX, read_manifest
from ivr.audio.progress import Progress
from ivr.menu.model import Language, Source


def at(line: int) -> Source:
    return Source("menus/wallet.yaml", line)


def prompts(*texts: str) -> list[Utterance]:
    return [Utterance(text, "en-US", at(10 + i)) for i, text in enumerate(texts)]


def wavs(audio_dir: Path) -> set[str]:
    return {n for n in os.listdir(audio_dir) if is_audio_file_name(n)}


def test_second_build_renders_nothing_and_one_edit_renders_exactly_one(tmp_path, languages):
    first = build(prompts("One.", "Two.", "Three."), languages, tmp_path, progress=False)
    assert (first.rendered, first.reused, first.ok) == (3, 0, True)
    before = wavs(tmp_path)
    assert len(before) == 3

    again = build(prompts("One.", "Two.", "Three."), languages, tmp_path, progress=False)
    assert (again.rendered, again.reused, again.pruned) == (0, 3, 0)

    edited = build(prompts("One.", "Two, edited.", "Three."), languages, tmp_path, progress=False)
    assert (edited.rendered, edited.reused, edited.pruned) == (1, 2, 1)
    after = wavs(tmp_path)
    old = file_name("Two.", languages["en-US"].tts_voice, languages["en-US"].tts_rate)
    assert old in before and old not in after
    assert len(after) == 3
    manifest = read_manifest(tmp_path)
    assert manifest is not None and manifest.format == FORMAT
    assert {e.text for e in manifest.entries} == {"One.", "Two, edited.", "Three."}
    entry = next(e for e in manifest.entries if e.text == "Two, edited.")
    assert (entry.lang, entry.voice, entry.rate, entry.source) == ("en-US", "gmw/en-us", 160, "menus/wallet.yaml:11")
    assert 0.3 < entry.duration < 5


def test_changing_a_languages_rate_or_voice_re_renders_its_prompts(tmp_path, languages):
    build(prompts("One."), languages, tmp_path, progress=False)
    faster = {**languages, "en-US": replace(languages["en-US"], tts_rate=200)}
    report = build(prompts("One."), faster, tmp_path, progress=False)
    assert (report.rendered, report.pruned) == (1, 1)


def test_check_fails_on_a_stale_tree_renders_nothing_and_passes_after_a_build(tmp_path, languages):
    empty = build(prompts("One."), languages, tmp_path, progress=False, check=True)
    assert not empty.ok and empty.rendered == 0
    assert any("menus/wallet.yaml:10" in line for line in empty.out_of_date)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even the manifest

    build(prompts("One.", "Two."), languages, tmp_path, progress=False)
    assert build(prompts("One.", "Two."), languages, tmp_path, progress=False, check=True).ok

    stale = build(prompts("One.", "Two, edited."), languages, tmp_path, progress=False, check=True)
    assert not stale.ok
    text = "\n".join(stale.out_of_date)
    assert "Two, edited." in text  # missing
    assert "'Two.'" in text  # still listed
    assert "no longer used" in text  # would be pruned
    assert len(wavs(tmp_path)) == 2

    build(prompts("One.", "Two, edited."), languages, tmp_path, progress=False)
    assert build(prompts("One.", "Two, edited."), languages, tmp_path, progress=False, check=True).ok


def test_a_failed_render_names_the_prompt_and_its_source_line(tmp_path, languages):
    broken = {**languages, "zh-CN": replace(languages["zh-CN"], tts_voice="sit/no-such-voice")}
    utterances = [Utterance("Hello.", "en-US", at(3)), Utterance("您好。", "zh-CN", at(42))]
    report = build(utterances, broken, tmp_path, progress=False)
    assert not report.ok and report.rendered == 1
    (failure,) = report.failures
    message = str(failure)
    assert message.startswith("menus/wallet.yaml:42: error:")
    assert "您好。" in message and "sit/no-such-voice" in message
    manifest = read_manifest(tmp_path)
    assert manifest is not None and [e.text for e in manifest.entries] == ["Hello."]  # the rest still works


def test_an_undeclared_language_is_reported_with_its_source(tmp_path, languages):
    report = build([Utterance("Bonjour.", "fr-FR", at(7))], languages, tmp_path, progress=False)
    assert [str(f).split(":")[:2] for f in report.failures] == [["menus/wallet.yaml", "7"]]
    assert "fr-FR" in str(report.failures[0])


def test_duplicates_render_once_and_blank_texts_are_skipped(tmp_path, languages):
    utterances = prompts("Same.", "Same.", "  ", "")
    report = build(utterances, languages, tmp_path, progress=False)
    assert (report.prompts, report.rendered) == (1, 1)
    manifest = read_manifest(tmp_path)
    assert manifest is not None and manifest.entries[0].source == "menus/wallet.yaml:10"  # the first one


def test_only_generated_files_are_pruned_and_leftover_temp_files_are_removed(tmp_path, languages):
    (tmp_path / ".gitkeep").write_text("")
    (tmp_path / "README.txt").write_text("notes")
    (tmp_path / f"{TEMP_PREFIX}interrupted.wav").write_bytes(b"half")
    (tmp_path / ("0" * 20 + ".wav")).write_bytes(b"an old prompt")
    build(prompts("One."), languages, tmp_path, progress=False)
    names = set(os.listdir(tmp_path))
    assert {".gitkeep", "README.txt", "manifest.json"} <= names
    assert not any(n.startswith(TEMP_PREFIX) for n in names)
    assert "0" * 20 + ".wav" not in names


def test_an_unchanged_rebuild_does_not_touch_the_manifest(tmp_path, languages):
    build(prompts("One."), languages, tmp_path, progress=False)
    before = (tmp_path / "manifest.json").stat().st_mtime_ns
    build(prompts("One."), languages, tmp_path, progress=False)
    assert (tmp_path / "manifest.json").stat().st_mtime_ns == before  # running services do not reload


def test_a_worker_pool_renders_many_prompts(tmp_path, languages: Mapping[str, Language]):
    texts = [f"Option {n}." for n in range(20)]
    report = build(prompts(*texts), languages, tmp_path, jobs=2, progress=False)
    assert (report.rendered, report.jobs, report.ok) == (20, 2, True)
    assert len(wavs(tmp_path)) == 20


class FakeStream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [True, False])
def test_progress_is_a_bar_on_a_terminal_and_plain_lines_otherwise(tty):
    stream = FakeStream(tty)
    bar = Progress(3, stream=stream)
    for _ in range(3):
        bar.advance()
    bar.close()
    out = stream.getvalue()
    assert "3/3" in out
    assert ("\r" in out) is tty
    if not tty:
        assert all(line.startswith("audio: ") for line in out.splitlines())


def test_progress_can_be_turned_off():
    stream = FakeStream(True)
    bar = Progress(3, enabled=False, stream=stream)
    bar.advance()
    bar.close()
    assert stream.getvalue() == ""
