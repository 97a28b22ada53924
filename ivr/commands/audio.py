"""`ivr audio build`: render every prompt of a menu into the audio directory (or check that it is current).

Exit status: 0 done (or, with ``--check``, everything current); 1 a prompt failed to render (each is
listed with its file and line) or, with ``--check``, something is missing or stale; 2 the menu file
cannot be loaded. The summary goes to stdout, problems and progress to stderr.
"""

from __future__ import annotations

import argparse
import sys

from ivr.menu.diagnostics import ConfigError

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
    build.set_defaults(func=run_build)


def run_build(args: argparse.Namespace) -> int:
    """Entry point of ``ivr audio build``; returns the exit code."""
    from ivr.audio.build import build
    from ivr.call.checks import load_menu
    from ivr.call.utterances import all_utterances

    try:
        tree = load_menu(args.menu)
    except ConfigError as exc:
        print(f"ivr audio build: {args.menu} has errors; fix them first (`ivr validate {args.menu}`):", file=sys.stderr)
        print(exc, file=sys.stderr)
        return EXIT_MENU
    report = build(
        all_utterances(tree),
        tree.languages,
        args.audio_dir,
        jobs=args.jobs,
        progress=not args.no_progress,
        check=args.check,
    )
    problems = [str(f) for f in report.failures] + list(report.out_of_date)
    for line in problems[:MAX_LISTED]:
        print(line, file=sys.stderr)
    if len(problems) > MAX_LISTED:
        print(f"… and {len(problems) - MAX_LISTED} more", file=sys.stderr)
    print(report.summary())
    if report.check and report.out_of_date:
        print("run `ivr audio build` to bring the audio up to date", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number
