"""The Flask app factory: settings, menu, signatures and routes wired together, nothing more.

The routes are thin: read Twilio's parameters and the call state from the URL, ask the pure
core (``ivr.call.flow``) what happens next at this moment, render it as TwiML. Whatever goes wrong
inside becomes TwiML that apologises and returns the caller to the main menu: Twilio turns an
HTTP 500 into "an application error has occurred" and a hang-up, a customer lost.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, Response, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr.audio.library import AudioLibrary
from ivr.call import flow
from ivr.call.callstate import CallState
from ivr.menu.model import Language, Tree
from ivr.store import journey
from ivr.store.privacy import mask_number
from ivr.web.audio_files import audio_blueprint, audio_health
from ivr.web.bodies import whole_bodies
from ivr.web.call_store import callbacks_blueprint, recorder_for
from ivr.web.clocks import Clock, utc_now
from ivr.web.console import console_blueprint
from ivr.web.dialing import Undialable, dial_plan, startup_problem
from ivr.web.documents import DocumentCache
from ivr.web.logs import configure_service_log, printable, under_gunicorn
from ivr.web.menu_snapshot import Snapshots
from ivr.web.menu_source import MenuSource, NoGoodMenu
from ivr.web.preload import in_preloading_master
from ivr.web.security import SignatureCheck
from ivr.web.settings import SettingError, Settings
from ivr.web.twiml import Event, FindAudio, TwimlRenderer

log = logging.getLogger("ivr.web")
Describe = Callable[[Tree, flow.Step], journey.Facts]  # what a webhook's step tells the call store
TWIML = "text/xml; charset=utf-8"
PATHS: dict[Event, str] = {
    "enter": "/voice/node/{node}",
    "input": "/voice/node/{node}/input",
    "dialed": "/voice/node/{node}/dialed",
    "recorded": "/voice/node/{node}/recorded",
    "recording": "/voice/node/{node}/recording",
}


def create_app(settings: dict[str, Any] | Settings | None = None, *, clock: Clock | None = None) -> Flask:
    """Build the webhook service.

    ``settings``: a ``Settings`` or a dict of upper-case names (``MENU_FILE``, ``TWILIO_AUTH_TOKEN``,
    …) layered over the environment. ``clock``: returns the current aware datetime; tests and the
    simulator pass their own to place a call at any moment.

    A setting the service cannot run with raises ``SettingError`` (one line: the setting and the
    fix). Under gunicorn (``gunicorn 'ivr.web:create_app()'``) that line is logged as CRITICAL and
    the worker exits with gunicorn's "worker failed to boot" code, so the master stops with the line
    in its log and no traceback, rather than starting workers that refuse every call.
    """
    try:
        return _create_app(settings, clock)
    except (SettingError, NoGoodMenu) as exc:  # NoGoodMenu: a broken menu file and no last good copy
        if not under_gunicorn():
            raise
        configure_service_log("INFO")  # the settings may not have got as far as LOG_LEVEL
        log.critical("refusing to start: %s", exc)
        raise SystemExit(_GUNICORN_WORKER_BOOT_ERROR) from None


def _create_app(settings: dict[str, Any] | Settings | None, clock: Clock | None) -> Flask:
    settings = _checked(settings)
    if not settings.twilio_auth_token:
        log.warning(
            "TWILIO_AUTH_TOKEN is not set: webhook signatures are NOT checked (development mode). "
            "Anyone who can reach this service can drive calls. Set it before exposing the service."
        )
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    _session_cookie(app, settings)
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies,
            x_host=settings.trusted_proxies, x_port=settings.trusted_proxies, x_prefix=settings.trusted_proxies,
        )  # fmt: skip
    app.wsgi_app = _ascii_query(app.wsgi_app)  # type: ignore[method-assign]
    app.wsgi_app = whole_bodies(app.wsgi_app, settings.max_body_bytes)  # type: ignore[method-assign]
    menu = MenuSource(settings.menu_file, Snapshots(settings.menu_snapshot_dir))
    trunk = settings.sip_trunk
    _check_routes(menu.current(), settings)
    now = clock or utc_now
    signatures = (
        SignatureCheck(settings.twilio_auth_token, settings.public_base_url) if (settings.twilio_auth_token) else None
    )
    library = AudioLibrary(settings.audio_dir)
    app.register_blueprint(audio_blueprint(settings.audio_dir, library))
    audio = _audio_finder(settings, library) if settings.use_audio else None
    documents = DocumentCache(audio)
    store = recorder_for(settings, now)
    app.register_blueprint(callbacks_blueprint(menu, store, now))
    app.extensions["ivr"] = {
        "settings": settings,
        "menu": menu,
        "clock": now,
        "documents": documents,
        "store": store,
        "make_app": lambda clock: create_app(settings, clock=clock),  # the browser phone's "call at"
    }
    app.register_blueprint(console_blueprint(settings, app.extensions["ivr"]), url_prefix="/console")
    if store is not None and not in_preloading_master():  # under preload_app: each worker, after the fork
        store.start()  # forwarding starts (what a dead worker left is adopted) without waiting for a call

    def url_for(event: Event, state: CallState) -> str:
        path = PATHS[event].format(node=state.node)
        query = "&".join(f"{k}={v}" for k, v in state.to_params().items())
        return f"{path}?{query}" if query else path

    def renderer() -> TwimlRenderer:
        """For the apology, which never dials (and must work when the request body cannot be read)."""
        return TwimlRenderer(menu.current(), url_for, audio, trunk)

    def line_number() -> str:
        """The line's own number: the ``To`` (alias ``Called``) Twilio sends with every voice webhook."""
        return twilio_param("To") or twilio_param("Called")

    def dialable(tree: Tree, step: flow.Step, at: datetime) -> flow.Step:
        """``step``, unless it dials a transfer this deployment cannot dial: then the caller is told
        the call did not go through and offered a message or the number (never silence, never a 5xx)."""
        for action in step:
            if isinstance(action, flow.Transfer):
                plan = dial_plan(tree, action, trunk, line_number())
                if isinstance(plan, Undialable):
                    # Announced at start in development; in production only a hot-reloaded menu gets here.
                    log.log(logging.ERROR if settings.production else logging.WARNING, "transfer not dialled: %s",
                            plan.reason)  # fmt: skip
                    return flow.transfer_unavailable(tree, action.state, at)
        return step

    def twiml(body: str, status: int = 200) -> Response:
        return Response(body, status=status, mimetype="text/xml", content_type=TWIML)

    def answer(handler: Callable[[Tree, datetime], flow.Step], facts: Describe, *key: str) -> Response:
        """What ``handler`` decides for the current menu at this instant, as TwiML. The same question
        (route, ``key``, query string) in the same minute under the same menu gets the document kept
        from the first time (``ivr.web.documents``), unless the call state had to be repaired.
        What happened (``facts``, for the call store) is kept with the document: it depends on
        exactly the same things; the store has it before the caller gets the answer."""
        try:
            tree, at = menu.current(), now()
            query = request.query_string.decode("latin-1")
            line = line_number()  # a transfer's caller ID: one service may answer several numbers

            def build(find_audio: FindAudio | None) -> tuple[str, journey.Facts]:
                step = dialable(tree, handler(tree, at), at)
                rendered = TwimlRenderer(tree, url_for, find_audio, trunk, line).render(step)
                return rendered, (facts(tree, step) if store else ())

            body, happened = documents.document(
                tree, at, (*key, query, line), build, keep=lambda: "ivr_repaired" not in g
            )
            if store is not None:
                store.record(twilio_params(), at, happened)
            return twiml(body)
        except HTTPException:
            raise  # refused requests (too large, …) are answered by http_error below
        except Exception:  # the caller must never hear "an application error has occurred"
            log.exception("webhook %s failed; apologising and returning to the main menu", printable(request.full_path))
            if store is not None:
                node_id = (request.view_args or {}).get("node_id", "")
                store.record(twilio_params(), now(), journey.failed(node_id, request.args.get("lang", "")))
            return apologise(200)

    def apologise(status: int = 200) -> Response:
        """Sorry, then the main menu; if even that cannot be rendered, end the call cleanly."""
        try:
            tree = menu.current()
            return twiml(renderer().render(flow.apology(tree, request.args.get("lang", ""), now())), status=status)
        except Exception:
            log.exception("could not render the apology; ending the call")
            response = VoiceResponse()
            response.hangup()
            return twiml(str(response), status=status)

    def state_for(tree: Tree, node_id: str) -> CallState:
        state, repaired = CallState.from_params(tree, node_id, request.args)
        if repaired:
            g.ivr_repaired = True  # not kept: the warning below is logged for each such request
            log.warning("repaired a malformed call state in %s", printable(request.full_path))
        return state

    def as_given(tree: Tree, node_id: str) -> CallState:
        """The call state in the URL, repaired if need be (for the call store: no warning, no mark)."""
        return CallState.from_params(tree, node_id, request.args)[0]

    def twilio_params() -> Any:
        """Everything Twilio sent (see ``twilio_param``), for the call store."""
        return request.form if request.method == "POST" else request.args

    def twilio_param(name: str) -> str:
        """A parameter Twilio sent: "as POST parameters or URL query parameters, depending on which
        HTTP method you've configured" (https://www.twilio.com/docs/api/twiml/twilio_request).
        Reading only that one (not ``request.values``, both merged) spares parsing the query string
        on every webhook: ours carries only the call state, read by ``CallState.from_params``."""
        source = request.form if request.method == "POST" else request.args
        value = source.get(name, "")
        return value if isinstance(value, str) else ""

    @app.before_request
    def check_signature() -> Response | None:
        if signatures is None or not request.path.startswith("/voice/"):
            return None
        if not signatures.is_valid(request):
            log.warning("rejected a webhook with a missing or invalid X-Twilio-Signature: %s", printable(request.path))
            return twiml(str(VoiceResponse()), status=403)  # refused, not answered: see http_error
        return None

    @app.route("/voice/incoming", methods=["GET", "POST"])
    def incoming() -> Response:
        log.info("call %s from %s", printable(twilio_param("CallSid")), mask_number(twilio_param("From")))
        return answer(flow.start, lambda tree, step: journey.after_incoming(tree, step), "incoming")

    @app.route("/voice/node/<node_id>", methods=["GET", "POST"])
    def enter(node_id: str) -> Response:
        return answer(
            lambda tree, at: flow.enter(tree, state_for(tree, node_id), at),
            lambda tree, step: journey.after_enter(tree, as_given(tree, node_id), step),
            "enter", node_id,
        )  # fmt: skip

    @app.route("/voice/node/<node_id>/input", methods=["GET", "POST"])
    def gathered(node_id: str) -> Response:
        digits, speech, confidence = twilio_param("Digits"), twilio_param("SpeechResult"), twilio_param("Confidence")

        def handle(tree: Tree, at: datetime) -> flow.Step:
            state, repaired = CallState.from_params(tree, node_id, request.args)
            if repaired and state.node != node_id:
                return flow.enter(tree, state, at)  # unknown node: back to a menu, no input applied
            heard = flow.CallerInput(digits=digits, speech=speech, confidence=_confidence(confidence))
            return flow.respond(tree, state, heard, at)

        def happened(tree: Tree, step: flow.Step) -> journey.Facts:
            state, repaired = CallState.from_params(tree, node_id, request.args)
            if repaired and state.node != node_id:
                return journey.after_enter(tree, state, step)
            heard = flow.CallerInput(digits=digits, speech=speech, confidence=_confidence(confidence))
            return journey.after_input(tree, state, heard, step)

        return answer(handle, happened, "input", node_id, digits, speech, confidence)

    @app.route("/voice/node/<node_id>/dialed", methods=["GET", "POST"])
    def dialed(node_id: str) -> Response:
        status = twilio_param("DialCallStatus")
        log.info("transfer from %s ended: %s", printable(node_id), printable(status or "(no status)"))
        return answer(
            lambda tree, at: flow.dial_result(tree, state_for(tree, node_id), status, at),
            lambda tree, step: journey.after_dial(tree, as_given(tree, node_id), status, step),
            "dialed", node_id, status,
        )  # fmt: skip

    @app.route("/voice/node/<node_id>/recorded", methods=["GET", "POST"])
    def recorded(node_id: str) -> Response:
        log.info("message left at %s: %s (%s s)", printable(node_id), printable(twilio_param("RecordingSid")),
                 printable(twilio_param("RecordingDuration")))  # fmt: skip
        return answer(
            lambda tree, at: flow.recorded(tree, state_for(tree, node_id), at),
            lambda tree, step: journey.after_recorded(tree, as_given(tree, node_id), step),
            "recorded", node_id,
        )  # fmt: skip

    @app.route("/healthz")
    def health() -> dict[str, object]:
        """200 while this worker answers calls; what menu it serves, from where and why (docs/running.md)."""
        menu.current()  # a poll notices an edit as a webhook would
        report = {**menu.health(), "audio": audio_health(library, settings.use_audio)}
        if report["audio"]["degraded"]:
            report["status"] = "degraded"
        return report

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        """On ``/voice/…`` a refused request (too large, wrong method, no such route) is answered with
        HTTP 200 and the apology and the main menu, TwiML the caller hears: Twilio executes no TwiML
        from a 4xx or 5xx reply, it reports 11200 / 11217 ("your server responded with a 4xx or 5xx
        status code", https://www.twilio.com/docs/api/errors/11217, .../errors/11200) and the caller
        hears "an application error has occurred". The status and recording callbacks under
        ``/voice/`` get the same 200: Twilio asks callbacks for a 2xx (warning 15003,
        https://www.twilio.com/docs/api/errors/15003) and ignores the body.

        A request whose signature does not verify stays a 403 with an empty ``<Response/>``
        (``check_signature``): it is not from Twilio, or the service is misconfigured (token,
        PUBLIC_BASE_URL). Twilio's webhook security page says to verify the sender "before responding
        to that request" (https://www.twilio.com/docs/usage/webhooks/webhooks-security); an apology
        would redirect a misconfigured line's caller to the main menu, refused the same way, in a
        loop of apologies, where the 403 ends the call and shows the operator 11217 "(403)" in
        Twilio's debugger. A body too large to verify is not a bad signature: it gets the apology.
        Elsewhere (console, audio, /healthz) the honest HTTP error."""
        if not request.path.startswith("/voice/"):
            return exc.get_response()
        log.warning("refused a webhook (%s %s) on %s %s; apologising", exc.code, exc.name, printable(request.method),
                    printable(request.path))  # fmt: skip
        return apologise()

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception) -> Response:
        """An error outside a route's own guard (a before-request check, the menu itself): on
        ``/voice/…`` still the apology with HTTP 200; elsewhere Flask's plain 500."""
        if not request.path.startswith("/voice/"):
            raise exc  # Flask's own handling: logged, a 500
        log.exception("webhook %s %s failed; apologising", printable(request.method), printable(request.full_path))
        return apologise()

    return app


_GUNICORN_WORKER_BOOT_ERROR = 3  # gunicorn.arbiter.Arbiter.WORKER_BOOT_ERROR: the master halts on it


def _checked(settings: dict[str, Any] | Settings | None) -> Settings:
    """The settings, validated for serving, and the service's log configured at their level."""
    if not isinstance(settings, Settings):
        settings = Settings.from_env(settings)
    configure_service_log(settings.log_level)
    settings.check_serving()
    return settings


class _ConsoleSessions(SecureCookieSessionInterface):
    """Only the console has sessions. Flask opens the session of every request (it builds the
    signing serializer and reads the cookie): about 5% of a webhook's time in a profile, for a
    cookie Twilio never sends. A request outside ``/console`` gets the null session, which is
    empty and never saved."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.path.startswith("/console"):
            return self.make_null_session(app)
        return super().open_session(app, request)


def _session_cookie(app: Flask, settings: Settings) -> None:
    """The console's signed session cookie. Without ``CONSOLE_SECRET_KEY`` the key is random per
    process: logins then last until a restart, which is fine on one development server."""
    app.session_interface = _ConsoleSessions()
    app.secret_key = settings.console_secret_key or secrets.token_hex(32)
    app.config.update(
        SESSION_COOKIE_NAME="ivr_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        SESSION_COOKIE_PATH="/console",
    )


def _check_routes(tree: Tree, settings: Settings) -> None:
    """A hotline whose route this deployment cannot dial: refused at start in production; in
    development a loud warning, and the rest of the line is served."""
    problem = startup_problem(tree, settings.sip_trunk)
    if not problem:
        return
    if settings.production:
        raise SettingError(f"IVR_ENV=production but {problem}")
    log.warning(
        "TRANSFERS WILL NOT CONNECT (development mode): %s. Callers who choose them hear that the call"
        " did not go through and are offered a message or the number.",
        problem,
    )


def _ascii_query(wsgi_app: Callable[..., Any]) -> Callable[..., Any]:
    """Percent-encodes raw non-ASCII bytes, spaces and control characters in the query string, as a
    browser would send them.

    Werkzeug decodes the query string as strict UTF-8 when ``request.args`` is first read, so raw
    bytes that are not UTF-8 (a scanner; never Twilio) raised in the handler and again in the
    apology, and the caller was hung up on; and a control character in the query of a URL werkzeug
    redirects (``/voice/node//input``) made the ``Location`` header raise: a 500. Found by
    ``tests/reliability``. ``%FF`` escapes were always decoded leniently."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        query = environ.get("QUERY_STRING", "")
        if _UNSAFE_IN_QUERY.search(query):  # PEP 3333: one character per byte (latin-1)
            environ["QUERY_STRING"] = _UNSAFE_IN_QUERY.sub(lambda m: f"%{ord(m.group()):02X}", query)
        return wsgi_app(environ, start_response)

    return app


_UNSAFE_IN_QUERY = re.compile(r"[^\x21-\x7e]")


def _confidence(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if 0.0 <= value <= 1.0 else None


def _audio_finder(settings: Settings, library: AudioLibrary) -> FindAudio:
    """The audio seam: a current pre-rendered file is played by absolute URL, else the renderer says
    the text with <Say>. The URL is the public one Twilio can fetch (PUBLIC_BASE_URL, or the host
    Twilio called, as corrected by ProxyFix for trusted proxies)."""

    def find(text: str, language: Language) -> str | None:
        name = library.lookup(text, language)
        if name is None:
            return None
        base = settings.public_base_url.rstrip("/") or request.host_url.rstrip("/")
        return f"{base}/audio/{name}"

    return find
