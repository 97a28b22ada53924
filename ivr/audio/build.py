"""Render every prompt of a tree into the audio directory: incremental, parallel, atomic, checkable.

``build(utterances, tree.languages, "audio")`` makes the directory hold exactly one telephone WAV per
distinct (text, voice, rate), named by its content address (``ivr.audio.cache``), plus the manifest that
maps each (text, language) to its file:

- **Incremental.** A file's name covers everything its audio depends on, so a file that is what the
  manifest recorded (its size and sha256, ``ivr.audio.integrity``) is current: after editing one text,
  a rebuild renders exactly that text. A file that differs (truncated, replaced, a symlink in its
  place) or is missing is rendered again; hashing the whole folder costs about a tenth of a second.
- **Parallel.** Renders run in a pool of worker processes, one per core by default, each with its own
  warm pyttsx3 engine kept for all its jobs (pyttsx3 is not thread-safe, so processes, not threads;
  started with *spawn*, see ``ivr.audio.tts``). Starting a worker costs about 140 ms, some ten renders'
  worth, so a handful of renders (the usual rebuild) is done in this process instead.
- **Atomic.** Audio files first, then the manifest, each written to a temporary file and renamed; only
  then are files the new manifest no longer names deleted. A service reading the directory meanwhile
  sees the old complete state or the new complete state. A lock file keeps two builds apart.
- **Checkable.** ``check=True`` renders and writes nothing and lists what a build would change; the
  report's ``ok`` is then False if anything is missing or stale (``ivr audio build --check`` in CI).

A render that fails (an unknown voice, the engine writing nothing) does not stop the others; it is
reported with the prompt and the config line it comes from, and the service falls back to ``<Say>``
for that prompt.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from ivr.audio import Utterance
from ivr.audio.cache import FORMAT, file_name, is_audio_file_name
from ivr.audio.integrity import Fingerprint, problem
from ivr.audio.manifest import (
    MANIFEST_NAME,
    TEMP_PREFIX,
    Entry,
    Manifest,
    ManifestError,
    read_manifest,
    write_atomic,
    write_manifest,
)
from ivr.audio.phonetic import Pronouncer
from ivr.audio.progress import Progress
from ivr.menu.model import Language, Source


class Spoken(Protocol):
    """What ``build`` needs of an utterance (``ivr.call.utterances.Utterance`` has it)."""

    @property
    def text(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def source(self) -> Source | None: ...


MIN_RENDERS_PER_WORKER = 8  # below this, starting a worker process costs more than it saves
JOB_TIMEOUT_SECONDS = 60.0  # no render takes this long; a worker silent for this long is stuck
LOCK_NAME = ".build.lock"


@dataclass(frozen=True)
class Failure:
    """A prompt that could not be rendered, said so that the person editing the config can act on it."""

    text: str
    lang: str
    source: Source | None
    message: str

    def __str__(self) -> str:
        where = str(self.source) if self.source is not None else "(unknown source)"
        return f"{where}: error: cannot render the {self.lang} prompt {self.text!r}: {self.message}"


@dataclass(frozen=True)
class BuildReport:
    """What a build did (or, with ``check``, would do)."""

    audio_dir: Path
    prompts: int  # distinct (text, language) pairs asked for
    rendered: int = 0  # files synthesised by this build
    reused: int = 0  # prompts whose file was already current
    pruned: int = 0  # files deleted because no prompt uses them any more
    failures: tuple[Failure, ...] = ()
    out_of_date: tuple[str, ...] = ()  # check mode: every difference a build would fix
    check: bool = False
    jobs: int = 0  # processes that rendered (0: nothing rendered)
    seconds: float = 0.0
    audio_seconds: float = field(default=0.0)  # total duration of the prompts' audio
    # (language, text) -> seconds of its audio, for every prompt with a current file (ivr.call.durations)
    durations: Mapping[tuple[str, str], float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures and not (self.check and self.out_of_date)

    def summary(self) -> str:
        if self.check:
            state = "up to date" if not self.out_of_date else f"out of date ({len(self.out_of_date)} differences)"
            return f"audio: {self.prompts} prompts in {self.audio_dir}: {state}"
        parts = [f"{self.prompts} prompts", f"{self.rendered} rendered", f"{self.reused} up to date"]
        if self.pruned:
            parts.append(f"{self.pruned} old files removed")
        if self.failures:
            parts.append(f"{len(self.failures)} failed")
        jobs = f", {self.jobs} jobs" if self.jobs else ""
        return f"audio: {', '.join(parts)} ({self.seconds:.1f}s{jobs}; {self.audio_seconds / 60:.1f} min of audio)"


@dataclass(frozen=True)
class _Prompt:
    text: str
    phonetic: str  # what the synthesizer is given, and what the file name is made from
    lang: str
    voice: str
    rate: int
    file: str
    source: Source | None


def build(
    utterances: Iterable[Spoken | Utterance],
    languages: Mapping[str, Language],
    audio_dir: str | Path,
    jobs: int | None = None,
    progress: bool = True,
    check: bool = False,
    pronouncer: Pronouncer | None = None,
) -> BuildReport:
    """Make ``audio_dir`` hold current audio for every utterance (voice and rate from ``languages``).

    ``jobs``: worker processes (default: one per core). ``progress``: show progress on stderr.
    ``check``: render and write nothing; report what is missing or stale (``report.ok`` False if any).
    ``pronouncer``: what each text is turned into for the synthesizer (``Pronouncer.for_tree(tree)``
    for the menu's lexicon and key names; by default none, but Mandarin still goes through pinyin).
    """
    started = time.monotonic()
    audio_dir = Path(audio_dir)
    prompts, failures = _plan(utterances, languages, pronouncer or Pronouncer())
    if check:
        return _check(prompts, failures, audio_dir)

    audio_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(audio_dir):
        _remove_temp_files(audio_dir)
        old = _old_entries(audio_dir)
        todo: dict[str, _Prompt] = {}
        found: dict[str, Fingerprint] = {}
        for p in prompts:
            if p.file in todo or p.file in found:
                continue
            previous = old.get(p.file)
            reason, fingerprint = problem(audio_dir / p.file, previous.fingerprint if previous else None)
            if reason is None and fingerprint is not None:
                found[p.file] = fingerprint
            else:
                todo[p.file] = p  # missing, truncated, changed, or not a regular file: render it again
        rendered, errors, workers = _render_all(list(todo.values()), audio_dir, jobs, progress)

        entries = []
        for p in prompts:
            if p.file in errors:
                failures.append(Failure(p.text, p.lang, p.source, errors[p.file]))
                continue
            if p.file in rendered:
                duration, fingerprint = rendered[p.file]
            else:
                fingerprint = found[p.file]
                previous = old.get(p.file)
                duration = previous.duration if previous else _read_duration(audio_dir / p.file)
            source = str(p.source) if p.source is not None else None
            entry = Entry(p.lang, p.text, p.file, p.voice, p.rate, round(duration, 3), source, p.phonetic)
            entries.append(replace(entry, size=fingerprint.size, sha256=fingerprint.sha256))
        manifest = Manifest(FORMAT, tuple(entries))
        write_manifest(audio_dir, manifest)
        pruned = _prune(audio_dir, manifest.files())

    return BuildReport(
        audio_dir=audio_dir,
        prompts=len(prompts),
        rendered=len(rendered),
        reused=len(prompts) - sum(1 for p in prompts if p.file in todo),
        pruned=pruned,
        failures=tuple(failures),
        jobs=workers,
        seconds=time.monotonic() - started,
        audio_seconds=sum(e.duration for e in entries),
        durations={(e.lang, e.text): e.duration for e in entries},
    )


# -- planning and checking --------------------------------------------------------------------


def _plan(
    utterances: Iterable[Spoken], languages: Mapping[str, Language], pronouncer: Pronouncer
) -> tuple[list[_Prompt], list[Failure]]:
    """One prompt per distinct (text, language), in first-seen order; unknown languages are failures."""
    prompts: dict[tuple[str, str], _Prompt] = {}
    failures: list[Failure] = []
    for u in utterances:
        if not u.text or not u.text.strip() or (u.text, u.lang) in prompts:
            continue
        language = languages.get(u.lang)
        if language is None:
            known = ", ".join(languages) or "none"
            failures.append(Failure(u.text, u.lang, u.source, f"language {u.lang!r} is not declared (known: {known})"))
            continue
        phonetic = pronouncer.phonetic(u.text, u.lang)
        if not phonetic:
            failures.append(Failure(u.text, u.lang, u.source, "nothing is left to say once it is spelled out"))
            continue
        name = file_name(phonetic, language.tts_voice, language.tts_rate)
        prompts[(u.text, u.lang)] = _Prompt(
            u.text, phonetic, u.lang, language.tts_voice, language.tts_rate, name, u.source
        )
    return list(prompts.values()), failures


def _check(prompts: list[_Prompt], failures: list[Failure], audio_dir: Path) -> BuildReport:
    """Everything a build would change, as lines a person can act on; nothing is rendered or written."""
    problems: list[str] = []
    try:
        manifest = read_manifest(audio_dir)
    except ManifestError as exc:
        manifest = None
        problems.append(f"{audio_dir / MANIFEST_NAME}: {exc}")
    records = {e.file: e.fingerprint for e in manifest.entries} if manifest is not None else {}
    whole: set[str] = set()
    for p in prompts:
        reason, _ = problem(audio_dir / p.file, records.get(p.file))
        if reason is None:
            whole.add(p.file)
        elif reason == "missing":
            problems.append(f"{p.source or '(unknown source)'}: no audio yet for the {p.lang} prompt {p.text!r}")
        else:
            problems.append(
                f"{audio_dir / p.file}: {reason}; a build renders it again (the {p.lang} prompt {p.text!r}"
                f" at {p.source or '(unknown source)'})"
            )
    wanted = {(p.lang, p.text, p.file) for p in prompts}
    durations: dict[tuple[str, str], float] = {}
    if manifest is None:
        problems.append(f"{audio_dir / MANIFEST_NAME}: missing; run `ivr audio build`")
    elif manifest.format != FORMAT:
        problems.append(f"{audio_dir / MANIFEST_NAME}: made for format {manifest.format}, the current one is {FORMAT}")
    else:
        listed = {(e.lang, e.text, e.file) for e in manifest.entries}
        for lang, text, _ in sorted(listed - wanted):
            problems.append(f"{audio_dir / MANIFEST_NAME}: lists the {lang} prompt {text!r}, which is no longer said")
        for lang, text, _ in sorted(wanted - listed):
            problems.append(f"{audio_dir / MANIFEST_NAME}: does not list the {lang} prompt {text!r}")
        known = {(e.lang, e.text, e.file): e.duration for e in manifest.entries}
        durations = {
            (p.lang, p.text): known[(p.lang, p.text, p.file)]
            for p in prompts
            if (p.lang, p.text, p.file) in known and p.file in whole
        }
    used = {p.file for p in prompts}
    for name in sorted(_audio_files(audio_dir) - used):
        problems.append(f"{audio_dir / name}: no longer used; a build removes it")
    return BuildReport(
        audio_dir=audio_dir,
        prompts=len(prompts),
        reused=sum(1 for p in prompts if p.file in whole),
        failures=tuple(failures),
        out_of_date=tuple(problems),
        check=True,
        durations=durations,
    )


# -- rendering ----------------------------------------------------------------------------------


Rendered = tuple[str, float, Fingerprint] | tuple[str, None, str]  # (file, seconds, fingerprint) or (file, None, error)


def _render_all(
    todo: list[_Prompt], audio_dir: Path, jobs: int | None, progress: bool
) -> tuple[dict[str, tuple[float, Fingerprint]], dict[str, str], int]:
    """Render ``todo``; return (duration, fingerprint) and error messages by file name, and the processes used."""
    if not todo:
        return {}, {}, 0
    # Same voice together (a worker switches voice rarely), longest first (no long render left for last).
    todo = sorted(todo, key=lambda p: (p.voice, p.rate, -len(p.text)))
    tasks = [(p.phonetic, p.voice, p.rate, str(audio_dir / p.file)) for p in todo]
    wanted = jobs if jobs is not None else (os.cpu_count() or 1)
    workers = max(1, min(wanted, len(tasks) // MIN_RENDERS_PER_WORKER))
    durations: dict[str, tuple[float, Fingerprint]] = {}
    errors: dict[str, str] = {}
    bar = Progress(len(tasks), enabled=progress)

    def collect(result: Rendered) -> None:
        name, duration, outcome = result
        if isinstance(outcome, Fingerprint) and duration is not None:
            durations[name] = (duration, outcome)
        else:
            errors[name] = str(outcome)
        bar.advance()

    try:
        if workers == 1:
            for task in tasks:
                collect(render_job(task))
        else:
            # spawn: never fork a process that may already hold an initialised espeak-ng (ivr.audio.tts).
            pool = multiprocessing.get_context("spawn").Pool(workers)
            try:
                results = pool.imap_unordered(render_job, tasks, chunksize=1)
                for _ in tasks:
                    collect(results.next(timeout=JOB_TIMEOUT_SECONDS))
                pool.close()
            except multiprocessing.TimeoutError:
                for task in tasks:
                    name = Path(task[3]).name
                    if name not in durations and name not in errors:
                        errors[name] = f"no render finished within {JOB_TIMEOUT_SECONDS:.0f}s; the TTS worker is stuck"
            finally:
                pool.terminate()
                pool.join()
    finally:
        bar.close()
    return durations, errors, workers


def render_job(task: tuple[str, str, int, str]) -> Rendered:
    """Render one prompt to its final path (in a worker or in this process): (file, duration, fingerprint),
    or (file, None, error). Writing replaces whatever had the name, a symlink included (not its target)."""
    from ivr.audio.render import render_prompt

    text, voice, rate, path = task
    name = Path(path).name
    try:
        prompt = render_prompt(text, voice, rate)
        write_atomic(path, prompt.wav)
        return name, prompt.seconds, Fingerprint.of(prompt.wav)
    except Exception as exc:  # reported per prompt, with its source, by the caller
        return name, None, str(exc) or type(exc).__name__


# -- the directory ----------------------------------------------------------------------------


@contextmanager
def _exclusive(audio_dir: Path) -> Iterator[None]:
    """One build at a time per directory: a second one would prune the first one's new files."""
    with open(audio_dir / LOCK_NAME, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _audio_files(audio_dir: Path) -> set[str]:
    try:
        return {name for name in os.listdir(audio_dir) if is_audio_file_name(name)}
    except FileNotFoundError:
        return set()


def _old_entries(audio_dir: Path) -> dict[str, Entry]:
    """The previous manifest's entries by file: each file's recorded fingerprint, and its duration so
    a reused file need not be decoded."""
    try:
        manifest = read_manifest(audio_dir)
    except ManifestError:
        return {}
    if manifest is None or manifest.format != FORMAT:
        return {}
    return {e.file: e for e in manifest.entries}


def _read_duration(path: Path) -> float:
    import soundfile

    return float(soundfile.info(str(path)).duration)


def _remove_temp_files(audio_dir: Path) -> None:
    """Temporary files left by an interrupted build (we hold the lock, so none is being written)."""
    for name in os.listdir(audio_dir):
        if name.startswith(TEMP_PREFIX):
            (audio_dir / name).unlink(missing_ok=True)


def _prune(audio_dir: Path, keep: frozenset[str]) -> int:
    """Delete generated files the manifest no longer names; never anything else (.gitkeep, notes)."""
    stale = _audio_files(audio_dir) - keep
    for name in stale:
        (audio_dir / name).unlink(missing_ok=True)
    return len(stale)
