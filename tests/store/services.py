"""Real gunicorn services for the store's fault and multi-host tests: 127.0.0.1, free ports, stopped after
(by the one launcher, ``benchmarks/harness.py``'s ``serving``)."""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager
from pathlib import Path

from store_support import MENU
from twilio.request_validator import RequestValidator

from benchmarks.harness import Server, free_port, serving

GUNICORN = Path(sys.executable).parent / "gunicorn"
TOKEN = "store-test-token-0123456789abcdef"


def service_env(database_url: str, spool_dir: Path, public_base_url: str, **extra: str) -> dict[str, str]:
    """The service's settings on this database and spool; ``SPOOL_FORWARDER=process`` on purpose: the
    service's default under gunicorn (one forwarder per host), not the suite's in-process thread."""
    return {
        **os.environ,
        "MENU_FILE": str(MENU), "USE_AUDIO": "false", "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": public_base_url,
        "DATABASE_URL": database_url, "SPOOL_DIR": str(spool_dir), "SPOOL_SYNC": "true",
        "SPOOL_FORWARDER": "process", **extra,
    }  # fmt: skip


def gunicorn(env: dict[str, str], *, workers: int = 2, port: int | None = None) -> AbstractContextManager[Server]:
    """``ivr.web:create_app()`` under gunicorn until the block ends (then SIGTERM, SIGKILL if need be); its
    log beside the spool folder."""
    port = port or free_port()
    log = Path(env["SPOOL_DIR"]).parent / f"gunicorn-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [str(GUNICORN), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5",
               "ivr.web:create_app()"]  # fmt: skip
    return serving(command, env, port=port, log=log, workers=workers)


def signed(public_url: str, params: dict[str, str]) -> dict[str, str]:
    """Headers for a POST of ``params`` to ``public_url``, signed as Twilio signs it."""
    return {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(public_url, params)}
