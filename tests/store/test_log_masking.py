"""Caller numbers in the service's log: only the last four digits, over a real call.

``ivr serve`` (the service with its logging configured, at INFO) on a free 127.0.0.1 port; the
simulator calls it over HTTP, signed, with a caller number, walks a few menus, presses a wrong key
and hangs up (the status callback follows). Everything the service wrote is then read back: the
call is there, its number only as ``***5678``. The store keeps the whole number (callbacks).
"""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from services import TOKEN
from store_support import MENU, cli_json

from benchmarks.harness import free_port, serving
from ivr.simulator import Simulator

CALLER = "+8613912345678"
IVR = Path(sys.executable).parent / "ivr"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, str, Callable[[], None]]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{tmp_path}/ivr.db"
    log = tmp_path / "service.log"
    env = {
        **os.environ, "MENU_FILE": str(MENU), "USE_AUDIO": "false", "TWILIO_AUTH_TOKEN": TOKEN,
        "PUBLIC_BASE_URL": base, "DATABASE_URL": database_url, "SPOOL_DIR": str(tmp_path / "spool"),
        "SIP_TRUNK_HOST": "trunk.example.com", "SPOOL_FORWARD_MS": "50",
    }  # fmt: skip
    command = [str(IVR), "serve", "--port", str(port)]
    # Stopped with Ctrl-C, as a developer stops it: the service forwards its spool on the way out.
    with serving(command, env, port=port, log=log, stop_signal=signal.SIGINT) as server:
        yield base, log, database_url, lambda: server.stop(signal.SIGINT)


def test_the_service_logs_a_callers_number_only_as_its_last_four_digits(served, tmp_path: Path, capsys):
    base, log, database_url, stop = served
    phone = Simulator(f"{base}/voice/incoming", auth_token=TOKEN, from_=CALLER, status_callback="/voice/status")
    call = phone.call()
    call.press("2").press("7")  # English, then a key the main menu does not offer
    call.press("5").hangup()
    sid = call.engine.parties.call_sid
    stop()  # the service's last forward is done (not racing its background forwarder); its log complete

    shown = cli_json(capsys, "calls", "show", sid, "--database-url", database_url, "--spool-dir",
                     str(tmp_path / "spool"))  # fmt: skip
    assert shown["call"]["from"] == CALLER  # the store keeps the number for a callback
    assert shown["call"]["call_status"] == "completed"

    written = log.read_text(encoding="utf-8", errors="replace")
    lines = [line for line in written.splitlines() if sid in line]
    assert any(f"call {sid} from ***5678" in line for line in lines), written[-3000:]
    assert "POST /voice/status" in written  # the whole call went through this log, to its end
    digits = re.sub(r"\D", "", CALLER)
    for unmasked in (CALLER, digits, digits[-11:], digits[-8:], "%2B" + digits):
        assert unmasked not in written, f"the caller's number appears in the log: {unmasked}"
