"""A chunked webhook body over ``MAX_BODY_BYTES`` is refused, like one with a Content-Length.

Werkzeug checks ``MAX_CONTENT_LENGTH`` against the Content-Length header; a chunked body has none,
and its form parser reads the stream only up to the limit and stops without error, so the fields
after the limit were silently dropped (a ``Digits`` at the end of the body became silence). This
middleware reads such a body (at most the limit plus one byte) before the app sees it: within the
limit it is handed on with its length (no longer chunked); over it, the request says so (a
Content-Length past the limit, no body) and werkzeug raises ``RequestEntityTooLarge`` where the
form is read, as for any other body that is too large. Only bodies the server has terminated
(``wsgi.input_terminated``: gunicorn and werkzeug's server set it for chunked requests) are read,
never a stream that might not end.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any


def whole_bodies(wsgi_app: Callable[..., Any], limit: int) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
            body = _read_at_most(environ["wsgi.input"], limit + 1)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = io.BytesIO(b"" if len(body) > limit else body)
            environ.pop("HTTP_TRANSFER_ENCODING", None)  # werkzeug ignores a length given with "chunked"
        return wsgi_app(environ, start_response)

    return app


def _read_at_most(stream: Any, size: int) -> bytes:
    parts: list[bytes] = []
    left = size
    while left > 0:
        part = stream.read(min(left, 65536))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)
