"""Real gunicorn services for the store's fault and multi-host tests: 127.0.0.1, free ports, stopped after."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from store_support import MENU, ROOT
from twilio.request_validator import RequestValidator

GUNICORN = Path(sys.executable).parent / "gunicorn"
TOKEN = "store-test-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return sorted(int(p) for p in path.read_text().split())
        except OSError:
            return []


def service_env(database_url: str, spool_dir: Path, public_base_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "MENU_FILE": str(MENU), "USE_AUDIO": "false", "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": public_base_url,
        "DATABASE_URL": database_url, "SPOOL_DIR": str(spool_dir), "SPOOL_SYNC": "true",
        "SPOOL_FORWARDER": "process", **extra,
    }  # fmt: skip


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2, port: int | None = None) -> Iterator[Service]:
    """``ivr.web:create_app()`` under gunicorn until the block ends (then SIGTERM, SIGKILL if need be)."""
    port = port or free_port()
    log = Path(env["SPOOL_DIR"]).parent / f"gunicorn-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [str(GUNICORN), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5",
               "ivr.web:create_app()"]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    service = Service(process, port, log)
    try:
        _wait_until_up(service, workers)
        yield service
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _wait_until_up(service: Service, workers: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({service.process.returncode}): {service.log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(service.base + "/healthz", timeout=2) as response:
                if response.status == 200 and len(service.workers()) == workers:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not come up in {timeout} s: {service.log.read_text()[-2000:]}")


def signed(public_url: str, params: dict[str, str]) -> dict[str, str]:
    """Headers for a POST of ``params`` to ``public_url``, signed as Twilio signs it."""
    return {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(public_url, params)}
