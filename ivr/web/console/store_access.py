"""The console's read side of the call store: one engine per app, opened on first use.

The webhooks write through the store's recorder (spool first, database behind it); the console only
reads, so it opens its own small engine on ``DATABASE_URL`` the first time a page needs it. A store
that is missing or unreadable is a message on the page, never a 500.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, inspect

from ivr.store.database import DEFAULT_URL, open_engine

_lock = threading.Lock()


class StoreUnavailable(RuntimeError):
    """The console cannot read the call store; the message says why, for the page."""


def store_engine(shared: dict[str, Any], settings: Any) -> Engine:
    """The engine for the app's ``DATABASE_URL`` (kept in the app's shared objects)."""
    with _lock:
        engine = shared.get("console_store_engine")
        if engine is None:
            url = getattr(settings, "database_url", "") or DEFAULT_URL
            try:
                engine = open_engine(url)
            except ValueError as exc:
                raise StoreUnavailable(str(exc)) from None
            shared["console_store_engine"] = engine
    try:
        ready = inspect(engine).has_table("events")
    except Exception as exc:  # an unreachable server: say so on the page
        raise StoreUnavailable(f"the call store cannot be reached: {exc.__class__.__name__}") from None
    if not ready:
        raise StoreUnavailable("the call store has no tables yet: run `ivr db upgrade` (or place a call)")
    return engine
