"""`ivr audio build` and `ivr audio say`: render a menu's prompts, or hear and read how one text is said.

``ivr audio build``: render every prompt of a menu into the audio directory (or check that it is current).
Exit status: 0 done (or, with ``--check``, everything current); 1 a prompt failed to render (each is
listed with its file and line) or, with ``--check``, something is missing or stale, or, with
``--strict``, something a caller hears in one go is over the line's ``defaults.limits``; 2 the menu
file cannot be loaded. The summary goes to stdout, problems, limit warnings and progress to stderr.
``--durations`` also prints the measured table (``ivr.call.durations``) on stdout.

``ivr audio durations``: that table alone, from the audio already built (nothing is rendered): every
stretch a caller hears in one go, longest first, with its limit and the line to edit.

``ivr audio say TEXT --lang zh-CN``: print the exact phonetic text the synthesizer is given for TEXT
(tone-numbered pinyin for Mandarin, with the menu's lexicon and key names; for English the text after
number and key expansion), one line on stdout, and render it (``-o`` keeps the WAV). ``--phonetic``
only prints. Exit status: 0 done, 1 the text could not be rendered, 2 the menu file has errors.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ivr.menu.diagnostics import ConfigError

if TYPE_CHECKING:
    from ivr.audio.build import BuildReport
    from ivr.call.durations import Measured
    from ivr.menu.model import Tree

DEFAULT_MENU = "menus/wallet.yaml"
DEFAULT_AUDIO_DIR = "audio"
MAX_LISTED = 20  # problems printed before "… and N more": an unknown voice fails every prompt of a language

EXIT_OK, EXIT_PROBLEMS, EXIT_MENU = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``ivr audio build`` to the ``ivr`` command line."""
    audio = subparsers.add_parser("audio", help="pre-render the spoken prompts (offline TTS)")
    commands = audio.add_subparsers(dest="audio_command", metavar="COMMAND")
    commands.required = True
    build = commands.add_parser(
        "build",
        help="render every prompt of a menu to telephone WAV files, incrementally",
        description=(
            "Render every text a caller can hear, in every language, with each language's espeak-ng voice and "
            "rate (languages.<code>.tts), to 8 kHz WAV files in the audio directory, plus manifest.json. Only "
            "prompts whose text, voice or rate changed are rendered; files no longer used are removed. "
            "Exit status: 0 done, 1 a render failed (or --check found differences), 2 the menu has errors."
        ),
    )
    build.add_argument("--menu", default=DEFAULT_MENU, help=f"menu file (default: {DEFAULT_MENU})")
    build.add_argument("--audio-dir", default=DEFAULT_AUDIO_DIR, help=f"output folder (default: {DEFAULT_AUDIO_DIR})")
    build.add_argument("--jobs", type=_positive, default=None, help="worker processes (default: one per core)")
    build.add_argument(
        "--check", action="store_true", help="render nothing; exit 1 if anything is missing or stale (for CI)"
    )
    build.add_argument("--no-progress", action="store_true", help="no progress output on stderr")
    build.add_argument(
        "--strict", action="store_true", help="exit 1 if a prompt is over the listening limits (defaults.limits)"
    )
    build.add_argument("--durations", action="store_true", help="also print the measured listening times")
    build.set_defaults(func=run_build)

    durations = commands.add_parser(
        "durations",
        help="print how long callers listen before each choice, measured on the built audio",
        description=(
            "From the audio already built (nothing is rendered), print every stretch a caller hears in one go "
            "(time to the first key, each menu, each guidance and the menu after it), longest first, with the "
            "limit from defaults.limits and the line to edit. Exit status: 0 all within the limits, 1 some over "
            "(or not built), 2 the menu has errors."
        ),
    )
    durations.add_argument("--menu", default=DEFAULT_MENU, help=f"menu file (default: {DEFAULT_MENU})")
    durations.add_argument(
        "--audio-dir", default=DEFAULT_AUDIO_DIR, help=f"audio folder (default: {DEFAULT_AUDIO_DIR})"
    )
    durations.add_argument("--top", type=_positive, default=None, help="only the N longest")
    durations.set_defaults(func=run_durations)

    say = commands.add_parser(
        "say",
        help="print what the synthesizer is given for a text (pinyin for Mandarin) and render it",
        description=(
            "Print the exact phonetic text sent to the synthesizer for TEXT, on one line: for Mandarin "
            "tone-numbered pinyin, syllables separated by spaces, using the menu's lexicon and key names; for "
            "other languages the text after number and key expansion. Then render it with the language's voice "
            "and rate (-o saves the telephone WAV). --phonetic only prints."
        ),
    )
    say.add_argument("text", help="the text, as it would be written in the menu file")
    say.add_argument("--lang", required=True, help="a language of the menu, e.g. zh-CN or en-US")
    say.add_argument(
        "--menu", default=DEFAULT_MENU, help=f"menu file: lexicon, key names, voice (default: {DEFAULT_MENU})"
    )
    say.add_argument("--phonetic", action="store_true", help="only print the phonetic text; render nothing")
    say.add_argument("-o", "--output", help="write the rendered telephone WAV (8 kHz mono) to this file")
    say.set_defaults(func=run_say)


def run_build(args: argparse.Namespace) -> int:
    """Entry point of ``ivr audio build``; returns the exit code."""
    from ivr.call.checks import load_menu
    from ivr.call.durations import measure

    try:
        tree = load_menu(args.menu)
    except ConfigError as exc:
        print(f"ivr audio build: {args.menu} has errors; fix them first (`ivr validate {args.menu}`):", file=sys.stderr)
        print(exc, file=sys.stderr)
        return EXIT_MENU
    now = datetime.now(UTC)
    report = _build_line(tree, args.audio_dir, now, jobs=args.jobs, progress=not args.no_progress, check=args.check)
    problems = [str(f) for f in report.failures] + list(report.out_of_date)
    for line in problems[:MAX_LISTED]:
        print(line, file=sys.stderr)
    if len(problems) > MAX_LISTED:
        print(f"… and {len(problems) - MAX_LISTED} more", file=sys.stderr)
    measured = measure(tree, report.durations, now)
    over = [m for m in measured if m.over]
    for m in over:
        print(m.warning(), file=sys.stderr)
    if args.durations:
        print(durations_table(measured))
    print(report.summary())
    if over:
        strict = "; --strict fails on them" if not args.strict else ""
        print(f"audio: {len(over)} of {len(measured)} listening times over the limits{strict}", file=sys.stderr)
    if report.check and report.out_of_date:
        print("run `ivr audio build` to bring the audio up to date", file=sys.stderr)
    return EXIT_OK if report.ok and not (args.strict and over) else EXIT_PROBLEMS


def run_durations(args: argparse.Namespace) -> int:
    """Entry point of ``ivr audio durations``; returns the exit code."""
    from ivr.call.checks import load_menu
    from ivr.call.durations import measure

    try:
        tree = load_menu(args.menu)
    except ConfigError as exc:
        print(f"ivr audio durations: {args.menu} has errors (`ivr validate {args.menu}`):", file=sys.stderr)
        print(exc, file=sys.stderr)
        return EXIT_MENU
    now = datetime.now(UTC)
    report = _build_line(tree, args.audio_dir, now, progress=False, check=True)  # check: reads, renders nothing
    measured = measure(tree, report.durations, now)
    print(durations_table(measured[: args.top] if args.top else measured))
    missing = sum(1 for m in measured if m.seconds is None)
    over = sum(1 for m in measured if m.over)
    print(f"{over} of {len(measured)} over the limits", file=sys.stderr)
    if missing:
        print(f"{missing} not measured: run `ivr audio build --audio-dir {args.audio_dir}` first", file=sys.stderr)
    return EXIT_PROBLEMS if over or missing else EXIT_OK


def _build_line(tree: Tree, audio_dir: str, now: datetime, **options: Any) -> BuildReport:
    """Build (or with ``check=True`` only check) every prompt of ``tree``, and the passages only the
    duration limits measure, with the tree's pronunciations: what ``build`` and ``durations`` share."""
    from ivr.audio.build import build
    from ivr.audio.phonetic import Pronouncer
    from ivr.call.durations import measured_only
    from ivr.call.utterances import all_utterances

    utterances = [*all_utterances(tree), *measured_only(tree, now)]
    return build(utterances, tree.languages, audio_dir, pronouncer=Pronouncer.for_tree(tree), **options)


def durations_table(measured: list[Measured]) -> str:
    """Seconds, limit, language, what and where: one row per passage, as ``measure`` ordered them."""
    rows = [f"{'seconds':>7}  {'limit':>5}  {'lang':<6} {'kind':<10} {'node':<24} source"]
    for m in measured:
        p = m.passage
        seconds = "-" if m.seconds is None else f"{m.seconds:.1f}"
        flag = " OVER" if m.over else ""
        rows.append(f"{seconds:>7}  {m.limit:>5g}  {p.lang:<6} {p.kind:<10} {p.node:<24} {p.source}{flag}")
    return "\n".join(rows)


def run_say(args: argparse.Namespace) -> int:
    """Entry point of ``ivr audio say``; returns the exit code."""
    from ivr.audio.phonetic import Pronouncer
    from ivr.call.checks import load_menu

    try:
        tree = load_menu(args.menu)
    except ConfigError as exc:
        print(f"ivr audio say: {args.menu} has errors; fix them first (`ivr validate {args.menu}`):", file=sys.stderr)
        print(exc, file=sys.stderr)
        return EXIT_MENU
    language = tree.languages.get(args.lang)
    if language is None:
        known = ", ".join(tree.languages)
        print(f"ivr audio say: {args.menu} has no language {args.lang!r} (it has {known})", file=sys.stderr)
        return EXIT_MENU
    phonetic = Pronouncer.for_tree(tree).phonetic(" ".join(args.text.split()), args.lang)
    print(phonetic)
    if args.phonetic and not args.output:
        return EXIT_OK
    if not phonetic:
        print("ivr audio say: nothing to say", file=sys.stderr)
        return EXIT_PROBLEMS
    from ivr.audio.manifest import write_atomic
    from ivr.audio.telephony import duration_seconds, encode_wav, to_telephone
    from ivr.audio.tts import SAMPLE_RATE, SynthesisError, Synthesizer

    try:
        samples = to_telephone(Synthesizer().render(phonetic, language.tts_voice, language.tts_rate), SAMPLE_RATE)
    except SynthesisError as exc:
        print(f"ivr audio say: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    where = ""
    if args.output:
        write_atomic(args.output, encode_wav(samples))
        where = f" -> {args.output}"
    seconds = duration_seconds(samples)
    print(f"{seconds:.2f} s, voice {language.tts_voice} at {language.tts_rate} wpm{where}", file=sys.stderr)
    return EXIT_OK


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number
