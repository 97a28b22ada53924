"""How the simulator reaches a TwiML app: in-process (any WSGI app) or over HTTP (any URL).

Both transports behave the way Twilio's HTTP client is documented to behave, because an app
that only works with a friendlier client would break on a real call:

* **Signed requests.**  Given an auth token, every request carries ``X-Twilio-Signature``:
  base64(HMAC-SHA1(auth token, full URL + each POST parameter name and value, sorted by
  name)).  It is computed with the helper library's own
  ``twilio.request_validator.RequestValidator.compute_signature`` on the *public* URL --
  the one the app's validator reconstructs -- including the query string.  For ``GET``
  requests the parameters travel in the query string and are part of the URL that is
  signed.  https://www.twilio.com/docs/usage/security#validating-requests
* **Form-encoded parameters** (``application/x-www-form-urlencoded``) for ``POST``.
* **Cookies** are kept for the duration of the call, and **HTTP redirects** (301, 302,
  303, 307, 308) are followed like a browser does, each hop signed for its own URL.
  https://www.twilio.com/docs/voice/twiml/your-response ("Twilio is a well behaved HTTP
  client").

A transport instance belongs to one call (it holds that call's cookies).

The in-process transport calls the WSGI app itself (PEP 3333) with the environ a WSGI server
would build for that request, rather than through a test client: ``ivr paths`` makes thousands of
requests, and a quarter of its time went to werkzeug's test client building requests and cookie
jars it did not need. https://peps.python.org/pep-3333/#environ-variables
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from http.cookies import CookieError, SimpleCookie
from io import BytesIO
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote_plus, unquote, urlencode, urljoin, urlsplit, urlunsplit

import requests
from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"
USER_AGENT = "ivr-simulator (Twilio-compatible; https://www.twilio.com/docs/voice/twiml)"
MAX_REDIRECTS = 10


class TransportError(Exception):
    """The request could not be made at all (connection refused, unknown host, ...)."""


@dataclass(frozen=True)
class HttpResponse:
    """What came back: status, lower-cased headers, body bytes, and the URL finally reached."""

    status: int
    body: bytes
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        """The MIME type without parameters, lower-cased ('' when the header is missing)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def ok(self) -> bool:
        """A 2xx status: the only kind Twilio treats as a successful fetch."""
        return 200 <= self.status < 300


class Transport(Protocol):
    """Anything that can make one Twilio-style request and return the response."""

    def request(self, method: str, url: str, params: Mapping[str, str]) -> HttpResponse:
        """Send ``params`` to absolute ``url`` with ``method`` (GET or POST), like Twilio would."""
        ...  # pragma: no cover


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The ``X-Twilio-Signature`` value Twilio would send for this URL and POST parameters."""
    return RequestValidator(auth_token).compute_signature(url, dict(params))


def _with_query(url: str, params: Mapping[str, str]) -> str:
    """``url`` with ``params`` appended to its query string (how Twilio sends GET parameters)."""
    if not params:
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


class _SigningTransport:
    """Shared behaviour: signing, GET-vs-POST parameter placement, redirects."""

    def __init__(self, auth_token: str | None = None) -> None:
        self.auth_token = auth_token

    def _send(self, method: str, url: str, form: Mapping[str, str] | None, headers: dict[str, str]) -> HttpResponse:
        raise NotImplementedError

    def request(self, method: str, url: str, params: Mapping[str, str]) -> HttpResponse:
        """Make the request, following redirects, signing every hop."""
        method = method.upper()
        form: Mapping[str, str] | None
        if method == "GET":
            url, form = _with_query(url, params), None
        else:
            form = dict(params)
        for _ in range(MAX_REDIRECTS + 1):
            headers = {"User-Agent": USER_AGENT}
            if self.auth_token is not None:
                headers[SIGNATURE_HEADER] = sign(self.auth_token, url, form or {})
            response = self._send(method, url, form, headers)
            location = response.headers.get("location")
            if response.status not in (301, 302, 303, 307, 308) or not location:
                return response
            url = urljoin(url, location)
            if response.status in (301, 302, 303):  # browsers turn these into a plain GET
                method, form = "GET", None
        raise TransportError(f"more than {MAX_REDIRECTS} HTTP redirects starting from {url}")


@lru_cache(maxsize=8192)
def _quoted(text: str) -> str:
    return quote_plus(text)


def form_body(form: Mapping[str, str]) -> bytes:
    """``form`` as an ``application/x-www-form-urlencoded`` body: the bytes ``urlencode`` makes.

    Every request of a call repeats most names and values (CallSid, From, To...), so each
    distinct string is quoted once: quoting was a tenth of the in-process transport's own time.
    """
    return "&".join(f"{_quoted(str(k))}={_quoted(str(v))}" for k, v in form.items()).encode("ascii")


def _wsgi_str(text: str) -> str:
    """A str as WSGI carries it: the UTF-8 bytes, one latin-1 character each (PEP 3333 "bytes as str")."""
    return text.encode("utf-8").decode("latin-1")


class WsgiTransport(_SigningTransport):
    """Calls a WSGI app in-process, as if it were deployed at ``base_url``.

    ``base_url`` is the app's public address (default ``http://localhost``): it is the host
    the app sees in ``request.url``, and therefore the URL that is signed.  URLs on any
    other host cannot be reached in-process and raise :class:`TransportError`.  Cookies the
    app sets are sent back on later requests of the same call whose path they cover.
    """

    def __init__(
        self, app: Callable[..., Any], *, base_url: str = "http://localhost", auth_token: str | None = None
    ) -> None:
        super().__init__(auth_token)
        parts = urlsplit(base_url)
        self.app = app
        self.origin = f"{parts.scheme}://{parts.netloc}"
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self._server = {
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(port),
            "HTTP_HOST": parts.netloc,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SCRIPT_NAME": "",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": parts.scheme,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        self.cookies: dict[str, tuple[str, str]] = {}  # name -> (value, path)

    def _send(self, method: str, url: str, form: Mapping[str, str] | None, headers: dict[str, str]) -> HttpResponse:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin != self.origin:
            raise TransportError(
                f"{url} is not on {self.origin}, the only host an in-process app answers; "
                "run the app over HTTP to follow links to other hosts"
            )
        path = parts.path or "/"
        body = form_body(form) if form is not None else b""
        environ: dict[str, Any] = dict(self._server)
        environ.update(
            {
                "REQUEST_METHOD": method,
                "PATH_INFO": _wsgi_str(unquote(path)),
                "QUERY_STRING": _wsgi_str(parts.query),
                "REQUEST_URI": _wsgi_str(f"{path}?{parts.query}" if parts.query else path),
                "wsgi.input": BytesIO(body),
                "CONTENT_LENGTH": str(len(body)),
            }
        )
        if form is not None:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        for name, value in headers.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = _wsgi_str(value)
        cookie = "; ".join(f"{k}={v}" for k, (v, scope) in self.cookies.items() if path.startswith(scope))
        if cookie:
            environ["HTTP_COOKIE"] = cookie
        started: list[Any] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, response_headers]
            return lambda data: chunks.append(data)  # the legacy write() callable

        chunks: list[bytes] = []
        result: Iterable[bytes] = self.app(environ, start_response)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, response_headers = started
        lowered: dict[str, str] = {}
        for name, value in response_headers:
            key = name.lower()
            if key == "set-cookie":
                self._keep(value)
            lowered[key] = f"{lowered[key]}, {value}" if key in lowered else value
        return HttpResponse(int(status.split(" ", 1)[0]), b"".join(chunks), url, lowered)

    def _keep(self, header: str) -> None:
        """Remember (or forget) a cookie the app set, as a browser would for the rest of the call."""
        try:
            jar = SimpleCookie(header)
        except CookieError:
            return  # a client drops a cookie it cannot parse
        for name, morsel in jar.items():
            if morsel["max-age"] in ("0", "-1") or morsel["expires"].startswith("Thu, 01 Jan 1970"):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = (morsel.value, morsel["path"] or "/")


class HttpTransport(_SigningTransport):
    """Calls any URL over real HTTP with ``requests`` (one session, so cookies persist)."""

    def __init__(self, *, auth_token: str | None = None, timeout: float = 15.0) -> None:
        super().__init__(auth_token)
        self.session = requests.Session()
        self.timeout = timeout

    def _send(self, method: str, url: str, form: Mapping[str, str] | None, headers: dict[str, str]) -> HttpResponse:
        try:
            response = self.session.request(
                method, url, data=form, headers=headers, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as exc:
            raise TransportError(f"{method} {url}: {exc}") from exc
        lowered = {k.lower(): v for k, v in response.headers.items()}
        return HttpResponse(response.status_code, response.content, url, lowered)

    def close(self) -> None:
        """Release the connection pool."""
        self.session.close()
