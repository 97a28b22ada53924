"""Who may use the console: the staff login, the session cookie, CSRF tokens, and each page's rule.

The console is a staff tool next to a public webhook service, so it is closed unless someone opens it:

- **Off unless ``CONSOLE_PASSWORD`` is set.** Without a password every staff page answers 404: a
  service deployed without thinking about the console exposes none of it.
- **Login.** The password is compared in constant time (``hmac.compare_digest`` over SHA-256 digests,
  so neither the content nor the length of the password leaks through timing). A successful login
  starts a fresh session (``session.clear()``: no session fixation) in Flask's signed cookie, which
  is HttpOnly, SameSite=Lax, and Secure in production.
- **CSRF.** Every state-changing request (anything but GET/HEAD/OPTIONS) under ``/console/`` must carry
  the session's token, in the ``X-CSRF-Token`` header (the page's JavaScript) or a ``csrf_token`` form
  field. The token is a random value kept in the signed session (the synchronizer-token pattern,
  https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html),
  so another site can neither read nor forge it.
- **Not Twilio's door.** The webhook signature (``X-Twilio-Signature``) opens ``/voice/`` only; the
  console never looks at it, so a request Twilio signed gets no further here than any other.

Pages are of two kinds. ``STAFF`` pages (the inbox, reports: issue 14) need the login. ``DEV_TOOL``
pages (the phone) are development tooling: open without a login when ``IVR_ENV`` is not production
and no password is set; with a password they need the login like any page; in production they
exist only behind the login.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import Enum
from urllib.parse import urlsplit

from flask import Response, abort, jsonify, redirect, request, session, url_for

from ivr.web.settings import Settings

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset(["GET", "HEAD", "OPTIONS"])
SESSION_COOKIE = "ivr_console"


class Access(Enum):
    """The rule a console page follows (see the module docstring)."""

    PUBLIC = "public"  # the login page, static files: reachable whenever the console exists
    STAFF = "staff"
    DEV_TOOL = "dev-tool"


def password_matches(given: str, expected: str) -> bool:
    """Constant-time comparison; an empty expected password never matches."""
    if not expected:
        return False
    a = hashlib.sha256(given.encode("utf-8")).digest()
    b = hashlib.sha256(expected.encode("utf-8")).digest()
    return hmac.compare_digest(a, b)


def csrf_token() -> str:
    """The session's CSRF token, created on first use (templates call it as ``csrf_token()``)."""
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok() -> bool:
    """Whether this request carries the session's token."""
    expected = session.get("csrf")
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    return isinstance(expected, str) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def logged_in() -> bool:
    return session.get("staff") is True


def log_in() -> None:
    """A fresh session for a staff member who gave the right password."""
    ui = session.get("ui")
    session.clear()
    session["staff"] = True
    if ui:
        session["ui"] = ui
    csrf_token()


def log_out() -> None:
    ui = session.get("ui")
    session.clear()
    if ui:
        session["ui"] = ui


def safe_next(target: str | None) -> str | None:
    """Only a path inside the console may be a login's destination (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console/") or "\\" in target:
        return None
    return target


class Gate:
    """Decides, before each console request, whether it may go on (see the module docstring)."""

    def __init__(self, settings: Settings, rules: dict[str, Access]):
        self.settings = settings
        self.rules = rules  # endpoint -> rule; endpoints not listed are STAFF

    @property
    def enabled(self) -> bool:
        return bool(self.settings.console_password)

    def dev_tools_open(self) -> bool:
        """Development tooling without a login: not in production, and no password to ask for."""
        return not self.settings.production and not self.enabled

    def rule(self, endpoint: str | None) -> Access:
        return self.rules.get(endpoint or "", Access.STAFF)

    def allows(self, endpoint: str | None) -> bool:
        """Whether the page exists at all for this service (else 404)."""
        rule = self.rule(endpoint)
        if rule is Access.PUBLIC:  # the login page itself answers 404 while the console is off
            return True
        if rule is Access.DEV_TOOL:
            return self.enabled or self.dev_tools_open()
        return self.enabled

    def check(self) -> Response | None:
        """The ``before_request`` hook: None to go on, or the answer that stops the request."""
        endpoint = request.endpoint
        if not self.allows(endpoint):
            abort(404)
        rule = self.rule(endpoint)
        needs_login = rule is Access.STAFF or (rule is Access.DEV_TOOL and not self.dev_tools_open())
        if needs_login and not logged_in():
            if request.method in SAFE_METHODS and not _wants_json():
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            return _refuse(401, "login required")
        if request.method not in SAFE_METHODS and not csrf_ok():
            return _refuse(400, "the form's CSRF token is missing or out of date: reload the page and try again")
        return None


def _wants_json() -> bool:
    accept = request.accept_mimetypes
    return accept.best == "application/json" or request.path.startswith("/console/api/") or request.is_json


def _refuse(status: int, message: str) -> Response:
    if _wants_json() or request.method not in SAFE_METHODS:
        response = jsonify({"error": message})
    else:
        response = Response(message, mimetype="text/plain")
    response.status_code = status
    return response
