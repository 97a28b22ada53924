"""``/console/phone``: call the line from a browser, with a keypad and real sound.

The page is a thin player; the call is the simulator's (``ivr.simulator``), driven from here, so it
speaks only Twilio's protocol and calls either this project's app in-process or any TwiML URL
(``PHONE_TARGET``, set by ``ivr phone URL``). Each browser call is a :class:`~.phone_calls.PhoneCall`
kept in this process (why: ``phone_calls``). The routes, all JSON but the page and the sound:

- ``POST /console/phone/calls`` ``{"at": ISO 8601 | null}``: place a call (at a chosen moment: a
  fresh in-process app whose clock reads that moment, as ``ivr simulate --at`` does);
- ``POST /console/phone/calls/<id>/act``: the caller's move (press, say, silence, hangup, dial
  outcome, message); the answer has the new transcript lines, what to play, what the call waits for,
  the caller's node and any problem Twilio would report (12100, 12200, 11200, …);
- ``GET /console/phone/calls/<id>/media/<n>``: a ``<Play>`` file, fetched through the call's own
  transport (signed, in-process or over HTTP), so the browser never needs the app's address or token;
- ``GET /console/phone/say/<key>.wav``: a ``<Say>`` prompt rendered with the audio build's TTS
  (``phone_audio``);
- ``GET /console/phone/diagram.svg``: the menu diagram (``phone_diagram``).

The auth token signs the simulator's requests on the server and never reaches the page.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from ivr.menu.model import Tree
from ivr.simulator import Call, Simulator
from ivr.simulator.caller import DIAL_STATUSES, Ended, Waiting
from ivr.simulator.transcript import Event
from ivr.web.clocks import fixed_offset_clock, parse_moment
from ivr.web.console.access import Access
from ivr.web.console.messages import catalogue, choose_ui, translate
from ivr.web.console.phone_audio import SayAudio, voice_for
from ivr.web.console.phone_calls import PhoneCall, PhoneCalls, TooManyCalls, session_owner
from ivr.web.console.phone_diagram import DiagramCache, DiagramError

log = logging.getLogger(__name__)

KEYPAD = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#")
DIAL_BUTTONS = ("completed", "busy", "no-answer", "failed")  # what the dialled party can do; canceled is the caller's
MAX_SAY_CHARS = 500
MAX_MESSAGE_SECONDS = 3600.0
UI_TO_MENU = {"zh": ("zh-CN", "zh"), "en": ("en-US", "en")}


def register(blueprint: Blueprint, context: Any) -> dict[str, Access]:
    """Add the phone's routes to the console blueprint."""
    settings = context.settings
    shared = context.shared
    calls = PhoneCalls()
    say_audio = SayAudio(settings.audio_dir)
    diagrams = DiagramCache()
    shared["phone_calls"] = calls
    target_url = settings.phone_target or None

    def tree() -> Tree | None:
        menu = shared.get("menu")
        return menu.current() if menu is not None else None

    def menu_lang(current: Tree | None, ui: str) -> str | None:
        if current is None:
            return None
        for code in UI_TO_MENU.get(ui, ()):
            for lang in current.languages:
                if lang == code or lang.split("-")[0] == code:
                    return lang
        return current.default_language

    @blueprint.get("/phone")
    def phone() -> str:
        ui = choose_ui()
        words = {key: translate(key, ui) for key in catalogue()["en"] if key.startswith("phone_")}
        return render_template(
            "console/phone.html",
            keypad=KEYPAD,
            dial_buttons=DIAL_BUTTONS,
            target=target_url or f"{settings.menu_file} (in-process)",
            in_process=target_url is None,
            words=words,
            diagram_lang=menu_lang(tree(), ui),
        )

    @blueprint.get("/phone/diagram.svg")
    def diagram() -> Response:
        current = tree()
        if current is None:
            abort(404)
        lang = request.args.get("lang") or menu_lang(current, choose_ui()) or current.default_language
        if lang not in current.languages:
            lang = current.default_language
        try:
            svg = diagrams.svg(current, shared["menu"].version, lang)
        except DiagramError as exc:
            return Response(str(exc), status=503, mimetype="text/plain")
        return Response(svg, mimetype="image/svg+xml")

    @blueprint.post("/phone/calls")
    def place() -> Any:
        body = request.get_json(silent=True) or {}
        ui = choose_ui()
        at_text = str(body.get("at") or "").strip()
        clock = None
        if at_text:
            if target_url is not None:
                return _error(400, translate("phone_at_needs_in_process", ui))
            try:
                at = parse_moment(at_text, "at")
            except ValueError as exc:
                return _error(400, str(exc))
            clock = fixed_offset_clock(at)
        owner = session_owner(session)

        def place_call() -> Call:
            return _simulator(settings, shared, target_url, clock).call()

        try:
            phone_call = calls.open(owner, place_call)
        except TooManyCalls as exc:
            return _error(429, str(exc))
        return jsonify(_update(phone_call, tree(), ui, say_audio))

    @blueprint.post("/phone/calls/<call_id>/act")
    def act(call_id: str) -> Any:
        ui = choose_ui()
        phone_call = calls.get(call_id, session_owner(session))
        if phone_call is None:
            return _error(404, translate("phone_call_unknown", ui))
        body = request.get_json(silent=True) or request.form.to_dict() or {}
        with phone_call.lock:
            try:
                _perform(phone_call.call, body, ui)
            except (ValueError, AssertionError) as exc:  # CallStateError is an AssertionError
                message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                return _error(409, message, _update(phone_call, tree(), ui, say_audio))
            return jsonify(_update(phone_call, tree(), ui, say_audio))

    @blueprint.get("/phone/calls/<call_id>/media/<int:index>")
    def media(call_id: str, index: int) -> Response:
        phone_call = calls.get(call_id, session_owner(session))
        if phone_call is None or not 0 <= index < len(phone_call.media):
            abort(404)
        url = phone_call.media[index]
        try:
            response = phone_call.call.engine.transport.request("GET", url, {})
        except Exception as exc:  # an unreachable file is the page's problem to show, not a 500
            return Response(f"could not fetch {url}: {exc}", status=502, mimetype="text/plain")
        if not response.ok:
            return Response(f"{url} answered HTTP {response.status}", status=502, mimetype="text/plain")
        out = Response(response.body, mimetype=response.content_type or "application/octet-stream")
        out.headers["Cache-Control"] = "private, max-age=3600"
        return out

    @blueprint.get("/phone/say/<key>.wav")
    def say(key: str) -> Response:
        try:
            body = say_audio.wav(key)
        except Exception as exc:  # the TTS failing is shown in the page (the prompt's text stays readable)
            log.warning("could not render a <Say> for the phone page: %s", exc)
            return Response(f"could not render this prompt: {exc}", status=503, mimetype="text/plain")
        if body is None:
            abort(404)
        out = Response(body, mimetype="audio/wav")
        out.headers["Cache-Control"] = "private, max-age=86400"
        return out

    return {
        "console.phone": Access.DEV_TOOL,
        "console.diagram": Access.DEV_TOOL,
        "console.place": Access.DEV_TOOL,
        "console.act": Access.DEV_TOOL,
        "console.media": Access.DEV_TOOL,
        "console.say": Access.DEV_TOOL,
    }


# -- placing and driving ------------------------------------------------------------------------


def _simulator(settings: Any, shared: dict[str, Any], target_url: str | None, clock: Any) -> Simulator:
    """The simulator for one browser call: the URL, or this project's app in-process (at ``clock``)."""
    token = settings.twilio_auth_token or None
    if target_url is not None:
        return Simulator(target_url, auth_token=token, strict=False)
    if clock is None:
        app: Any = current_app._get_current_object()  # type: ignore[attr-defined]
    else:
        app = shared["make_app"](clock)
    base = settings.public_base_url.rstrip("/") or "http://localhost"
    # as `ivr simulate` does in-process: the call ends with Twilio's status callback, so the store records it
    return Simulator(app, auth_token=token, base_url=base, strict=False, status_callback="/voice/status")


def _perform(call: Call, body: dict[str, Any], ui: str) -> None:
    """One move of the caller, from the page's JSON."""
    action = str(body.get("action", ""))
    if call.ended:
        if action == "hangup":
            return
        raise ValueError("the call is over")
    barge_in = body.get("barge_in") in (True, "true", "1")
    during = _int(body.get("during"), 0)
    if action == "press":
        key = str(body.get("key", ""))
        if len(key) != 1:
            raise ValueError("press one key: 0-9, * or #")
        call.press(key, barge_in=barge_in, during=during)
    elif action == "say":
        text = " ".join(str(body.get("text", "")).split())[:MAX_SAY_CHARS]
        if not text:
            raise ValueError(translate("phone_say_empty", ui))
        confidence = _float(body.get("confidence"), 0.9)
        call.say(text, confidence, barge_in=barge_in, during=during)
    elif action == "silence":
        call.silence()
    elif action == "hangup":
        call.hangup()
    elif action == "dial":
        status = str(body.get("status", ""))
        if status not in DIAL_STATUSES:
            raise ValueError(f"a dial outcome is one of {', '.join(DIAL_STATUSES)}")
        call.dial_outcome(status)
    elif action == "message":
        seconds = body.get("seconds")
        if seconds is None:
            call.leave_message(translate("phone_canned_message", ui))
        else:
            spoken = min(max(_float(seconds, 1.0), 0.1), MAX_MESSAGE_SECONDS)
            call.say(translate("phone_microphone_message", ui).format(seconds=f"{spoken:.1f}"), seconds=spoken)
            if call.waiting_for == "record":
                call.press("#")
    else:
        raise ValueError(f"unknown action {action!r}")


def _int(raw: Any, default: int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def _float(raw: Any, default: float) -> float:
    try:
        return float(raw)
    except (TypeError, ValueError):
        return default


# -- what the page is told ----------------------------------------------------------------------


def _update(phone_call: PhoneCall, tree: Tree | None, ui: str, say_audio: SayAudio) -> dict[str, Any]:
    """What changed since the page was last told: transcript lines, sound, wait, node, problems."""
    call = phone_call.call
    events = call.transcript.events
    lines = [_line(e) for e in events]
    amended = {i: lines[i] for i in range(min(phone_call.shown, len(lines))) if lines[i] != phone_call.lines[i]}
    fresh = events[phone_call.shown :]
    first = phone_call.shown
    phone_call.lines = lines
    phone_call.shown = len(events)
    state = call.state
    wait = _wait(state)
    nested_from = len(events)
    if wait.get("kind") == "gather" and events and events[-1].kind == "gather":  # its prompts come just before it
        nested_from = len(events) - 1 - wait.get("prompts", 0)
    sounds = []
    for offset, event in enumerate(fresh):
        sound = _sound(phone_call, event, tree, say_audio)
        if sound is not None:
            index = first + offset
            sound["event"] = index
            if index >= nested_from:
                sound["nested"] = index - nested_from  # which nested prompt: what a barge-in reports
            sounds.append(sound)
    node_id = _node_of(call, tree)
    node = None
    if node_id is not None:
        title = ""
        if tree is not None and node_id in tree.nodes and tree.nodes[node_id].title is not None:
            lang = next((code for code in UI_TO_MENU.get(ui, ()) if code in tree.languages), tree.default_language)
            title = tree.nodes[node_id].title.get(lang) or tree.nodes[node_id].title.get(tree.default_language)
        node = {"id": node_id, "title": title}
    problems = [
        {k: e.data.get(k) for k in ("code", "severity", "message", "url", "line")} for e in fresh if e.kind == "problem"
    ]
    return {
        "call": phone_call.id,
        "lines": [{"index": first + i, "text": lines[first + i], "kind": e.kind} for i, e in enumerate(fresh)],
        "amended": [{"index": i, "text": text} for i, text in amended.items()],
        "sounds": sounds,
        "wait": wait,
        "node": node,
        "problems": problems,
    }


def _line(event: Event) -> str:
    """The transcript line, exactly as ``ivr simulate`` prints it."""
    return f"{event.at:7.1f}s  {event.describe()}"


def _wait(state: Any) -> dict[str, Any]:
    if isinstance(state, Ended):
        return {"kind": "ended", "reason": state.reason, "status": state.status, "clean": state.clean}
    assert isinstance(state, Waiting)
    d = state.details
    if state.kind == "gather":
        return {
            "kind": "gather",
            "timeout": d.get("timeout"),
            "input": d.get("input"),
            "digits": d.get("digits", ""),
            "numDigits": d.get("numDigits"),
            "finishOnKey": d.get("finishOnKey"),
            "prompts": d.get("prompts", 0),
            "language": d.get("language"),
        }
    if state.kind == "record":
        return {"kind": "record", "timeout": d.get("timeout"), "maxLength": d.get("maxLength")}
    return {"kind": "dial", "targets": d.get("targets"), "timeout": d.get("timeout")}


def _sound(phone_call: PhoneCall, event: Event, tree: Tree | None, say_audio: SayAudio) -> dict[str, Any] | None:
    d = event.data
    if event.kind == "say" and d.get("text", "").strip():
        voice = voice_for(tree, d.get("language", "en-US"), d.get("voice", "man"))
        key = say_audio.announce(d["text"], voice)
        return {"kind": "audio", "url": url_for("console.say", key=key), "loop": d.get("loop", 1)}
    if event.kind == "play":
        index = phone_call.media_index(d["url"])
        if index is None:
            return None
        return {
            "kind": "audio",
            "url": url_for("console.media", call_id=phone_call.id, index=index),
            "loop": d.get("loop", 1),
        }
    if event.kind == "pause":
        return {"kind": "silence", "seconds": d.get("length", 1)}
    if event.kind == "beep":
        return {"kind": "tone", "hz": 1000, "seconds": 0.5}
    return None


def _node_of(call: Call, tree: Tree | None) -> str | None:
    """The caller's node, read from the app's own URL scheme: the URL the current wait will answer to
    (else the last webhook). None for an app whose URLs are not this project's."""
    urls = []
    for event in reversed(call.transcript.events):
        if event.kind in ("gather", "record", "dial") and event.data.get("action"):
            urls.append(event.data["action"])
            break
        if event.kind == "request" and event.data.get("role", "webhook") == "webhook":
            urls.append(event.data["url"])
            break
    for url in urls:
        path = urlsplit(url).path
        try:
            endpoint, args = current_app.url_map.bind("localhost").match(path, method="POST")
        except HTTPException:
            return None
        if "node_id" in args:
            node = str(args["node_id"])
            return node if tree is None or node in tree.nodes else None
        if endpoint == "incoming" and tree is not None:
            return tree.entry
    return None


def _error(status: int, message: str, update: dict[str, Any] | None = None) -> Response:
    response = jsonify({"error": message, **(update or {})})
    response.status_code = status
    return response


__all__ = ["register"]
