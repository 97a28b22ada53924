"""Shared pieces of the reliability suite: the fuzzing budget, raw WSGI calls, error capture.

How many fuzzed requests run is one setting. CI runs the default, a few hundred per fuzz test,
with derandomized examples so a run is reproducible; the long mode draws fresh random examples:

    IVR_FUZZ_EXAMPLES=10000 .venv/bin/pytest tests/reliability -k fuzz

and the terminal summary says how many requests each fuzz test sent.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from collections import Counter

from hypothesis import HealthCheck, settings
from werkzeug.test import run_wsgi_app

DEFAULT_EXAMPLES = 300
FUZZ_EXAMPLES = int(os.environ.get("IVR_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
LONG_MODE = "IVR_FUZZ_EXAMPLES" in os.environ

# No deadline: a request's time depends on the machine and on what else runs, and a slow example is
# not a wrong one. Examples are big (whole requests), hence the size and speed checks are off too.
FUZZ_SETTINGS = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=not LONG_MODE,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,  # the fixtures used with @given are shared on purpose
    ],
)

SENT: Counter[str] = Counter()  # fuzz test name -> requests sent, for the terminal summary


class Raw:
    """What came back from one raw WSGI call."""

    def __init__(self, status: str, headers: dict[str, str], body: bytes):
        self.status_code = int(status.split()[0])
        self.headers = headers
        self.body = body


def call_raw(
    app: object,
    method: str,
    path: bytes,
    query: bytes = b"",
    body: bytes = b"",
    content_type: str | None = "application/x-www-form-urlencoded",
    headers: dict[str, str] | None = None,
) -> Raw:
    """One request exactly as a WSGI server hands it over: the path and query are raw bytes (any
    bytes, as on the wire, so invalid UTF-8 reaches the app the way it would in production)."""
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path.decode("latin-1"),
        "QUERY_STRING": query.decode("latin-1"),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    app_iter, status, response_headers = run_wsgi_app(app, environ, buffered=True)  # type: ignore[arg-type]
    try:
        data = b"".join(app_iter)
    finally:
        getattr(app_iter, "close", lambda: None)()
    return Raw(status, dict(response_headers), data)


class ErrorLog(logging.Handler):
    """Collects ERROR records of the ``ivr`` loggers: an apology hides an exception, and the fuzz
    must find those too, not only 5xx answers."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
