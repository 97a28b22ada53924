"""The clocks a call can run on: the real one, or one set to another moment (the simulator's time travel).

The webhooks read the time from the clock ``create_app`` is given, never from the system directly, so
``ivr simulate --at`` and the browser phone's "call at" can place a call at any moment (after hours, on
a holiday) while timeouts still move time forward.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_moment(text: str, option: str = "--at") -> datetime:
    """An ISO 8601 moment; a time without an offset is this machine's local time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{option} {text!r} is not an ISO 8601 time such as 2026-11-24T22:30+08:00") from None
    return moment if moment.tzinfo else moment.astimezone()


def fixed_offset_clock(at: datetime, now: Clock | None = None) -> Clock:
    """A clock that reads ``at`` now and keeps running from there (so timeouts still move time)."""
    read = now or utc_now
    offset: timedelta = at - read()
    return lambda: (read() + offset).astimezone(at.tzinfo)
