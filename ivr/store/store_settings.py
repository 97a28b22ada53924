"""What the call store needs to know (the web layer fills it from its settings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: How a host forwards its spool: ``process``, one low-priority forwarder process per host and
#: spool folder (``ivr.store.host_forwarder``, the service's default); ``thread``, each process
#: its own spool in a background thread (an app embedded in another program, the test suite).
FORWARDERS = ("process", "thread")


@dataclass(frozen=True)
class StoreSettings:
    database_url: str
    spool_dir: Path
    spool_sync: bool = True
    forward_interval: float = 0.25
    notify_url: str = ""
    notify_secret: str = ""
    forwarder: str = "process"
