"""``ivr simulate``: call a TwiML app from the terminal, or run a scripted call in CI.

With a URL it calls any TwiML app over HTTP.  Without one it calls this project's own app
in-process (``ivr.web.create_app``): the command chooses the project's app and hands it to the
simulator, which itself imports nothing of the project (an import-linter contract) and so stays a
generic Twilio emulator.

Interactive by default: it prints what the caller hears (language, voice, played files) and
reads the caller's next move -- keys (``12#`` presses 1, 2, #), ``say WORDS [CONFIDENCE]``, an
empty line for silence, ``hangup``, ``help``; at a ``<Dial>``, the dialled party's answer.
``--script`` runs the same moves non-interactively and exits 0 only if the call ended cleanly
(no TwiML errors or warnings, no HTTP failures, no simulator guard tripped, script followed).

Colour only when stdout is a terminal and ``NO_COLOR`` is unset (https://no-color.org).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from ivr.commands import traffic
from ivr.simulator.api import DEFAULT_FROM, DEFAULT_TO, Call, Simulator
from ivr.simulator.audio import Synthesize, render_call_audio
from ivr.simulator.caller import CallerAction, DialOutcome, HangUp, Silence, Speak, Waiting
from ivr.simulator.engine import CallStateError
from ivr.simulator.script import ScriptError, is_confidence, parse_script
from ivr.simulator.transcript import Event
from ivr.web.clocks import fixed_offset_clock, parse_moment

HELP = """\
  0-9 * #            press keys (a line like 12# presses 1, 2, #)
  say WORDS [0.8]    speak: everything after say is the phrase (say I want a refund); a last
                     number such as 0.8 is the recogniser's confidence
  (empty line)       stay silent until the prompt times out
  hangup             hang up (also: quit, exit, Ctrl-D)
  help               this help
At a transfer (<Dial>): 1 answered, 2 busy, 3 no answer, 4 failed (or type the word)."""

DIAL_CHOICES = {
    "1": "completed",
    "answered": "completed",
    "answer": "completed",
    "completed": "completed",
    "2": "busy",
    "busy": "busy",
    "3": "no-answer",
    "no answer": "no-answer",
    "no-answer": "no-answer",
    "noanswer": "no-answer",
    "4": "failed",
    "failed": "failed",
    "canceled": "canceled",
}

_STYLE = {
    "say": "\033[1;32m",
    "play": "\033[36m",
    "pause": "\033[2m",
    "beep": "\033[36m",
    "request": "\033[2m",
    "input": "\033[35m",
    "note": "\033[33m",
    "error": "\033[1;31m",
    "warning": "\033[1;33m",
    "wait": "\033[34m",
    "end": "\033[1m",
}
_RESET = "\033[0m"


def register(subparsers: Any) -> None:
    """Add ``ivr simulate`` to the ``ivr`` command line."""
    parser = subparsers.add_parser(
        "simulate",
        help="call a TwiML app in a local Twilio-faithful simulator",
        description=(
            "Place a simulated call. With URL, call any TwiML app over HTTP (its voice webhook URL); "
            "without, call this project's own app in-process."
        ),
    )
    parser.add_argument("url", nargs="?", help="voice webhook URL of a running TwiML app")
    parser.add_argument("--script", help='non-interactive caller moves, e.g. "1 2 wait say 退款 dial:busy"')
    parser.add_argument("--at", help="place the call at this time (ISO 8601, e.g. 2026-11-24T22:30+08:00); no URL only")
    parser.add_argument("--from", dest="from_", default=DEFAULT_FROM, help=f"caller number (default {DEFAULT_FROM})")
    parser.add_argument("--to", default=DEFAULT_TO, help=f"called number (default {DEFAULT_TO})")
    parser.add_argument(
        "--lang",
        help="the language the caller speaks (e.g. zh-CN); 'say' into a recogniser set to another language is flagged",
    )
    parser.add_argument(
        "--auth-token",
        default=os.environ.get("TWILIO_AUTH_TOKEN"),
        help="sign requests like Twilio with this token (default: $TWILIO_AUTH_TOKEN)",
    )
    parser.add_argument(
        "--base-url",
        default=os.environ.get("PUBLIC_BASE_URL") or "http://localhost",
        help="public URL of the in-process app, used for signatures (default: $PUBLIC_BASE_URL or http://localhost)",
    )
    parser.add_argument(
        "--entry-path", help="webhook path (default /voice/incoming in-process; the URL itself over HTTP)"
    )
    parser.add_argument("--menu", help="menu file for the in-process app (default: the app's MENU_FILE setting)")
    parser.add_argument(
        "--text",
        action="store_true",
        help="in-process only: speak every prompt with <Say>, not pre-rendered audio, so its words are shown",
    )
    parser.add_argument("--status-callback", help="URL or path that receives the final CallStatus")
    parser.add_argument(
        "--fallback-url",
        help="the number's Voice fallback URL (or a path): requested, as Twilio does, when a fetch fails",
    )
    parser.add_argument("--transcript", metavar="FILE", help="write the call transcript as JSON")
    parser.add_argument("--speak", action="store_true", help="play what the caller hears on this machine's speakers")
    parser.add_argument("--record", metavar="WAV", help="write everything the caller heard into one WAV file")
    traffic.add_arguments(parser)
    parser.set_defaults(func=run)


# -- the target -------------------------------------------------------------------------------


def _parse_at(text: str) -> datetime:
    return parse_moment(text, "--at")


def _project_app(args: argparse.Namespace) -> Any:
    from ivr.web import create_app  # the CLI glue's one permitted reach into the project

    settings: dict[str, Any] = {}
    if args.menu:
        settings["MENU_FILE"] = args.menu
    if args.auth_token:
        settings["TWILIO_AUTH_TOKEN"] = args.auth_token
    if args.text:
        settings["USE_AUDIO"] = "false"
    clock = fixed_offset_clock(_parse_at(args.at)) if args.at else None
    return create_app(settings or None, clock=clock)


def _synthesizer() -> Synthesize:
    from ivr.audio.tts import SAMPLE_RATE, Synthesizer  # the team's warm pyttsx3/espeak-ng engine

    synth = Synthesizer()
    return lambda text, voice: (synth.render(text, voice=voice, rate=170), SAMPLE_RATE)


# -- output -----------------------------------------------------------------------------------


class Printer:
    """Prints new transcript events, coloured when the output is a terminal."""

    def __init__(self, out: TextIO, color: bool) -> None:
        self.out = out
        self.color = color
        self.shown = 0

    def paint(self, text: str, style: str) -> str:
        return f"{_STYLE[style]}{text}{_RESET}" if self.color else text

    def style_of(self, event: Event) -> str:
        if event.kind == "problem":
            return "error" if event.data["severity"] == "error" else "warning"
        if event.kind in ("gather", "record", "dial", "recording", "dial-result"):
            return "wait"
        return event.kind if event.kind in _STYLE else "request"

    def show_new(self, call: Call) -> None:
        events = call.transcript.events
        for event in events[self.shown :]:
            line = f"{event.at:7.1f}s  {event.describe()}"
            self.out.write(self.paint(line, self.style_of(event)) + "\n")
        self.shown = len(events)
        self.out.flush()


def _wants_color(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


# -- speaking ---------------------------------------------------------------------------------


def _sound_player() -> list[str] | None:
    """A command that plays a WAV file on a real sound device, or None when there is none."""
    has_device = Path("/dev/snd").is_dir() and any(p.name.startswith("pcm") for p in Path("/dev/snd").iterdir())
    has_server = bool(os.environ.get("PULSE_SERVER")) or Path(f"/run/user/{os.getuid()}/pulse").exists()
    if not (has_device or has_server):
        return None
    for command in (["paplay"], ["aplay", "-q"], ["play", "-q"]):
        if shutil.which(command[0]):
            return command
    return None


class Speaker:
    """Plays each new stretch of heard audio as the call goes (``--speak``)."""

    def __init__(self, call: Call, synthesize: Synthesize, player: list[str]) -> None:
        self.call = call
        self.synthesize = synthesize
        self.player = player
        self.spoken = 0

    def speak_new(self) -> None:
        events = self.call.transcript.events[self.spoken :]
        self.spoken = len(self.call.transcript.events)
        heard = [e for e in events if e.kind in ("say", "play", "pause", "beep")]
        if not heard:
            return
        audio = render_call_audio(heard, synthesize=self.synthesize, fetch=lambda url: _fetch_audio(self.call, url))
        with tempfile.NamedTemporaryFile(suffix=".wav") as handle:
            audio.write_wav(handle.name)
            subprocess.run([*self.player, handle.name], check=False)


def _fetch_audio(call: Call, url: str) -> bytes | None:
    try:
        response = call.engine.transport.request("GET", url, {})
    except Exception:  # the recording must not fail because one file could not be fetched
        return None
    return response.body if response.ok else None


# -- driving ----------------------------------------------------------------------------------


def _prompt_for(state: Waiting) -> str:
    details = state.details
    if state.kind == "gather":
        bits = ["keys" if "dtmf" in details["input"] else "", "speech" if "speech" in details["input"] else ""]
        wanted = " or ".join(b for b in bits if b)
        if details.get("numDigits"):
            wanted += f", {details['numDigits']} digit(s)"
        typed = f" [{details['digits']}]" if details.get("digits") else ""
        return f"gather ({wanted}){typed}> "
    if state.kind == "record":
        return "record (say WORDS, a finish key, or Enter)> "
    return f"dial {', '.join(details['targets'])}: 1 answered, 2 busy, 3 no answer, 4 failed> "


def _line_to_actions(line: str, state: Waiting) -> list[CallerAction] | None:
    """The caller's typed line as actions; None for 'help'.  Raises ScriptError when unreadable."""
    text = line.strip()
    lowered = text.lower()
    if not text:
        return [Silence()]
    if lowered == "help":
        return None
    if lowered in ("hangup", "quit", "exit", "bye"):
        return [HangUp()]
    if state.kind == "dial" and lowered in DIAL_CHOICES:
        return [DialOutcome(DIAL_CHOICES[lowered])]
    return typed_actions(text)


def typed_actions(text: str) -> list[CallerAction]:
    """A line typed at the prompt: script steps, except that everything after ``say`` is the phrase.

    A person types ``say I want a refund`` without quotes; a trailing number with a decimal point
    between 0 and 1 (``say I want a refund 0.6``) is the recogniser's confidence, as in scripts.
    Quotes around the whole phrase are still accepted. Scripts (``--script``) keep their syntax.
    """
    tokens = text.split()
    at = next((i for i, token in enumerate(tokens) if token.lower() == "say"), None)
    if at is None:
        return parse_script(text)
    before = parse_script(" ".join(tokens[:at])) if at else []
    words = tokens[at + 1 :]
    confidence = 0.9
    if len(words) > 1 and is_confidence(words[-1]):
        confidence = float(words.pop())
    phrase = " ".join(words)
    if len(phrase) >= 2 and phrase[0] == phrase[-1] and phrase[0] in "'\"":
        phrase = phrase[1:-1].strip()
    if not phrase:
        raise ScriptError("'say' needs the words to say, e.g. say I want a refund")
    return [*before, Speak(phrase, confidence)]


def _check_language(call: Call, action: CallerAction, lang: str | None, out: TextIO) -> None:
    state = call.state
    if lang and isinstance(action, Speak) and isinstance(state, Waiting) and state.kind == "gather":
        listening = _gather_language(call)
        if listening and listening.lower() != lang.lower():
            out.write(
                f"  note: the caller speaks {lang} but this <Gather> recognises {listening}; "
                "a real recogniser would probably mis-hear\n"
            )


def _gather_language(call: Call) -> str | None:
    gathers = call.transcript.of_kind("gather")
    return gathers[-1].data.get("language") if gathers else None


def _act(call: Call, action: CallerAction) -> None:
    if isinstance(action, Silence):
        call.silence()
    elif isinstance(action, HangUp):
        call.hangup()
    elif isinstance(action, DialOutcome):
        call.dial_outcome(action.status, action.duration)
    elif isinstance(action, Speak):
        call.say(action.text, action.confidence)
    else:
        call.press(action.key)


def run(args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run ``ivr simulate``; returns the exit status."""
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    err = sys.stderr
    if getattr(args, "calls", None) is not None:
        return traffic.run(args, out, err)
    if args.at and args.url:
        err.write(
            "ivr simulate: --at only works without a URL: it sets the clock of this project's in-process app; "
            "an app behind a URL reads its own clock\n"
        )
        return 2
    if args.text and args.url:
        err.write("ivr simulate: --text only works without a URL: an app behind a URL chooses <Play> or <Say>\n")
        return 2
    try:
        script = parse_script(args.script) if args.script is not None else None
        target: Any = args.url if args.url else _project_app(args)
    except (ScriptError, ValueError) as exc:
        err.write(f"ivr simulate: {exc}\n")
        return 2
    simulator = Simulator(
        target,
        auth_token=args.auth_token,
        from_=args.from_,
        to=args.to,
        entry_path=args.entry_path,
        base_url=args.base_url,
        # In-process, the call's end goes to the project's own status callback, as the phone number's
        # "call status changes" webhook would send it (docs/store.md).
        status_callback=args.status_callback or (None if args.url else "/voice/status"),
        fallback_url=args.fallback_url,
        strict=False,
    )
    printer = Printer(out, _wants_color(out))
    interactive = script is None
    if interactive:
        _enable_history(stdin)
        out.write(f"Calling {simulator.entry_url} from {args.from_} to {args.to}. Type 'help' for the keys.\n")
    synthesize: Synthesize | None = None
    speaker: Speaker | None = None
    if args.speak or args.record:
        try:
            synthesize = _synthesizer()
        except ImportError as exc:
            err.write(f"ivr simulate: --speak/--record need the project's speech synthesizer (ivr.audio.tts): {exc}\n")
            return 2
    call = simulator.call(from_=args.from_, to=args.to)
    if args.speak:
        player = _sound_player()
        if player is None:
            err.write(
                "ivr simulate: --speak: no sound device on this machine (no /dev/snd PCM device, no PulseAudio); "
                "nothing will be played. Use --record call.wav to keep what the caller hears.\n"
            )
        elif synthesize is not None:
            speaker = Speaker(call, synthesize, player)
    script_ok = True
    pending = list(script or [])
    while True:
        printer.show_new(call)
        if speaker:
            speaker.speak_new()
        state = call.state
        if not isinstance(state, Waiting):
            break
        if script is not None:
            if not pending:
                out.write("  (script finished: the caller hangs up)\n")
                call.hangup()
                continue
            action = pending.pop(0)
            if not state.accepts(action):
                err.write(f"ivr simulate: the call waits for a {state.kind}; the script's next step does not fit\n")
                script_ok = False
                call.hangup()
                continue
            _check_language(call, action, args.lang, out)
            _act(call, action)
            continue
        line = _read_line(printer, _prompt_for(state), stdin, out)
        if line is None:  # end of input: the caller hangs up
            out.write("\n")
            call.hangup()
            continue
        try:
            actions = _line_to_actions(line, state)
        except ScriptError as exc:
            out.write(f"  {exc}\n")
            continue
        if actions is None:
            out.write(HELP + "\n")
            continue
        try:
            for action in actions:
                _check_language(call, action, args.lang, out)
                _act(call, action)
                if call.ended:
                    break
        except CallStateError as exc:
            out.write(f"  {str(exc).splitlines()[0]}\n")
        except ValueError as exc:
            out.write(f"  {exc}\n")
    if pending:
        err.write(f"ivr simulate: the call ended with {len(pending)} script step(s) unused\n")
        script_ok = False
    ended = call.state
    out.write(f"Call over: {call.end_reason}; {len(call.problems)} problem(s).\n")
    if args.transcript:
        _write_transcript(call, simulator, args.transcript)
    if args.record and synthesize is not None:
        audio = render_call_audio(call.transcript, synthesize=synthesize, fetch=lambda url: _fetch_audio(call, url))
        audio.write_wav(args.record)
        for note in audio.notes:
            err.write(f"ivr simulate: --record: {note}\n")
        out.write(f"Wrote {audio.seconds:.1f} s of what the caller heard to {args.record}\n")
    clean = getattr(ended, "clean", False)
    return 0 if clean and script_ok else 1


def _write_transcript(call: Call, simulator: Simulator, path: str) -> None:
    state = call.state
    data = {
        "entry_url": simulator.entry_url,
        "ended": {
            "reason": call.end_reason,
            "status": getattr(state, "status", None),
            "duration": getattr(state, "duration", None),
            "clean": getattr(state, "clean", None),
        },
        "problems": call.problems,
        **call.transcript.to_dict(),
    }
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _read_line(printer: Printer, prompt: str, stdin: TextIO, out: TextIO) -> str | None:
    """One line from the caller, or None at end of input.  A terminal gets readline editing."""
    if stdin is sys.stdin and stdin.isatty() and out is sys.stdout:
        # \001 and \002 tell readline the colour codes take no room on the line
        painted = f"\001{_STYLE['wait']}\002{prompt}\001{_RESET}\002" if printer.color else prompt
        try:
            return input(painted)
        except EOFError:
            return None
    out.write(printer.paint(prompt, "wait"))
    out.flush()
    line = stdin.readline()
    return line if line else None


def _enable_history(stdin: TextIO) -> None:
    """Line editing and history for the interactive prompt (only on a real terminal)."""
    if stdin is sys.stdin and stdin.isatty():
        with contextlib.suppress(ImportError):  # not on every platform
            import readline  # noqa: F401  # importing it is what turns on editing for input()
