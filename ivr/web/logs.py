"""The service's log: one format, ``LOG_LEVEL``, and no line an outsider can forge.

Under gunicorn the ``ivr`` loggers write through gunicorn's error log (its handlers: ``--error-logfile``,
``--log-syslog``, the reopen on ``USR1``), so the service's lines and gunicorn's own are one log in one
format; without this they vanished, since nothing else configures logging in a worker. ``ivr serve``
writes the same format to stderr. The format is gunicorn's default error-log format:
``[2026-12-02 13:07:00 +0000] [4242] [WARNING] message``.

Levels (``LOG_LEVEL``, default ``INFO``): ``DEBUG`` everything; ``INFO`` one line per call and per
transfer outcome or message left, menu reloads, the store's forwarding; ``WARNING`` what an operator
should look at (refused signatures, repaired call states, a menu edit with errors, development mode);
``ERROR`` what lost something (a webhook that had to apologise, a transfer that could not be dialled);
``CRITICAL`` a refused start.

Every line is escaped before it is written (``printable``): CR, LF and other control characters in
a path, header or form value would otherwise start a forged line of their own. Caller numbers are
masked where they are logged (``ivr.store.privacy.mask_number``).
"""

from __future__ import annotations

import logging
import re
import sys

LOG_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(message)s"
DATE_FORMAT = "[%Y-%m-%d %H:%M:%S %z]"
SERVICE_LOGGER = "ivr"

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(value: object) -> str:
    """``value`` as one line of visible text: control characters (and the Unicode line separators)
    become ``\\n``, ``\\r``, ``\\x1b``, ``\\u2028``…. Idempotent (a backslash is left as it is),
    so a value escaped where it is logged passes the handler's escaping unchanged."""
    return _UNSAFE.sub(_escape, str(value))


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


class Escaping(logging.Handler):
    """Writes each record through ``target`` with its message made ``printable`` (the traceback of
    ``log.exception`` stays as it is: several lines by nature, and written by us, not the caller)."""

    def __init__(self, target: logging.Handler | logging.Logger):
        super().__init__()
        self.target = target

    def emit(self, record: logging.LogRecord) -> None:
        try:
            safe = logging.makeLogRecord(record.__dict__)
            safe.msg, safe.args = printable(record.getMessage()), None
        except Exception:  # a message whose arguments do not fit it: logging's own report
            self.handleError(record)
            return
        self.target.handle(safe)


def under_gunicorn() -> bool:
    """True in a gunicorn worker: gunicorn has set up its error log's handlers."""
    return "gunicorn" in sys.modules and bool(logging.getLogger("gunicorn.error").handlers)


def configure_service_log(level: str) -> None:
    """The ``ivr`` loggers at ``level``; under gunicorn, written through its error log (once per
    process: a second app in the same worker, the browser phone's "call at", changes nothing).

    Through the ``gunicorn.error`` logger, not a copy of its handlers: ``kill -HUP`` gives that
    logger new handlers, and under ``preload_app`` the app was configured once, in the master, so
    copied handlers would be the replaced ones (a log file no longer reopened on ``USR1``)."""
    service = logging.getLogger(SERVICE_LOGGER)
    service.setLevel(level)
    if under_gunicorn():
        service.handlers = [Escaping(logging.getLogger("gunicorn.error"))]
        service.propagate = False  # gunicorn's root has no handlers; this keeps it that way


def configure_console_log(level: str) -> None:
    """``ivr serve``: everything (the service and the development server's request lines) to stderr,
    unless logging is configured already (as ``logging.basicConfig`` does: a test's capture stays)."""
    logging.getLogger(SERVICE_LOGGER).setLevel(level)
    root = logging.getLogger()
    if root.handlers:
        return
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(logging.Formatter(LOG_FORMAT, DATE_FORMAT))
    root.addHandler(Escaping(stream))
    root.setLevel(level)
