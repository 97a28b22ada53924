"""Helpers of the store tests: the real app on a given database, simulated calls, the CLI's output."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask

from ivr.cli import main as ivr_main
from ivr.simulator import Simulator
from ivr.web import create_app

ROOT = Path(__file__).resolve().parents[2]
MENU = ROOT / "menus" / "wallet.yaml"
SUNDAY_MORNING = datetime.fromisoformat("2026-12-06T10:00:00+08:00")  # Baidu Wallet closed (no Sunday hours)
TUESDAY_NOON = datetime.fromisoformat("2026-12-08T12:00:00+08:00")  # every hotline but Baidu's lunch break open


def store_app(database_url: str, spool_dir: Path, at: datetime, **settings: str) -> Flask:
    values = {
        "MENU_FILE": str(MENU), "USE_AUDIO": "false", "TWILIO_AUTH_TOKEN": "", "DATABASE_URL": database_url,
        "SPOOL_DIR": str(spool_dir), "SPOOL_SYNC": "true", "SIP_TRUNK_HOST": "trunk.example.com", **settings,
    }  # fmt: skip
    app = create_app(values, clock=lambda: at)
    OPEN_APPS.append(app)
    return app


OPEN_APPS: list[Flask] = []  # closed after each test (conftest), so no forwarder outlives its database


def close_apps() -> None:
    while OPEN_APPS:
        store = OPEN_APPS.pop().extensions["ivr"]["store"]
        if store is not None:
            store.close()


def simulator(app: Flask, **kwargs: Any) -> Simulator:
    return Simulator(app, status_callback="/voice/status", **kwargs)


def flush(app: Flask) -> None:
    app.extensions["ivr"]["store"].flush()


def spooled(n: int, sid: str, at: datetime, *events: dict) -> dict:
    """One webhook's record as the recorder spools it, for feeding ``ingest`` directly."""
    return {"id": f"R{sid}{n:04d}", "call": sid, "at": at.isoformat(), "ns": n, "events": list(events)}


def cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = ivr_main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys: Any, *argv: str) -> Any:
    code, out, err = cli(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)
