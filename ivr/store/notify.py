"""Announcing a new message to the team: a signed JSON POST to ``NOTIFY_URL``, at least once.

The outbox is the ``messages`` table itself: a message with no ``notified_at`` is still owed a
notification. Each process's notifier claims due messages with a lease (``notify_next_at`` moved
ahead in one conditional UPDATE, so two workers or hosts never post the same message at once),
posts, and marks it delivered; a failure (no answer, non-2xx) is retried with exponential back-off
(``BASE_DELAY_S`` doubling up to ``MAX_DELAY_S``). A receiver may see a message twice (a crash
after its 2xx and before the mark): ``X-IVR-Delivery`` (the message id) lets it drop repeats.

The signature, as GitHub and Stripe do it: ``X-IVR-Signature: sha256=<hex HMAC-SHA256 of
"<X-IVR-Timestamp>.<body>" with NOTIFY_SECRET>``; the receiver recomputes it and compares in
constant time, and refuses old timestamps (replays). ``verify`` is that check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from sqlalchemy import Engine, and_, func, or_, select, update

from ivr.store.privacy import mask_number
from ivr.store.schema import calls, messages

log = logging.getLogger("ivr.store")
BASE_DELAY_S = 5.0
MAX_DELAY_S = 3600.0
LEASE_S = 60.0
TIMEOUT_S = 5.0
BATCH = 20


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: str, headers: dict[str, str], body: bytes, *, now: float | None = None, tolerance_s: int = 300
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    timestamp = headers.get("X-IVR-Timestamp", "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), headers.get("X-IVR-Signature", ""))


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 5 s, 10 s, 20 s, … at most an hour."""
    return timedelta(seconds=min(BASE_DELAY_S * 2 ** max(attempts - 1, 0), MAX_DELAY_S))


class Notifier:
    def __init__(
        self,
        engine: Engine,
        url: str,
        secret: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        interval: float = 1.0,
        post: Callable[..., Any] = requests.post,
    ):
        self.engine = engine
        self.url = url
        self.secret = secret
        self.clock = clock
        self.interval = interval
        self.post = post
        self._stop = threading.Event()

    @classmethod
    def factory(cls, settings: Any) -> Callable[[Engine], Notifier]:
        return lambda engine: cls(engine, settings.notify_url, settings.notify_secret)

    def start(self) -> None:
        threading.Thread(target=self._loop, name="ivr-store-notifier", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception as exc:  # the database may be down: the next round tries again
                log.warning("store: could not look for messages to announce: %s", " ".join(str(exc).split())[:300])

    def run_once(self, now: datetime | None = None) -> int:
        """Post every message that is due; returns how many were delivered."""
        now = now or self.clock()
        delivered = 0
        for row in self._due(now):
            if self._claim(row["id"], now):
                delivered += self._deliver(row, now)
        return delivered

    def _due(self, now: datetime) -> list[dict[str, Any]]:
        query = (
            select(
                messages.c.id, messages.c.recording_sid, messages.c.call_sid, messages.c.hotline, messages.c.node,
                messages.c.language, messages.c.recorded_at, messages.c.duration_s, messages.c.recording_url,
                messages.c.notify_attempts, func.coalesce(messages.c.caller, calls.c.from_number).label("caller"),
            )
            .select_from(messages.outerjoin(calls, calls.c.call_sid == messages.c.call_sid))
            .where(_due_clause(now))
            .order_by(messages.c.id)
            .limit(BATCH)
        )  # fmt: skip
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def _claim(self, message_id: int, now: datetime) -> bool:
        with self.engine.begin() as connection:
            result = connection.execute(
                update(messages)
                .where(and_(messages.c.id == message_id, _due_clause(now)))
                .values(notify_next_at=now + timedelta(seconds=LEASE_S))
            )
            return result.rowcount == 1

    def _deliver(self, row: dict[str, Any], now: datetime) -> int:
        body = json.dumps(payload(row), ensure_ascii=False, sort_keys=True).encode()
        timestamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json",
            "X-IVR-Event": "message.new",
            "X-IVR-Delivery": str(row["id"]),
            "X-IVR-Timestamp": timestamp,
            "X-IVR-Signature": sign(self.secret, timestamp, body),
        }
        attempts = row["notify_attempts"] + 1
        error = None
        try:
            response = self.post(self.url, data=body, headers=headers, timeout=TIMEOUT_S)
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            error = " ".join(str(exc).split())[:300] or type(exc).__name__
        with self.engine.begin() as connection:
            if error is None:
                values: dict[str, Any] = {"notified_at": now, "notify_attempts": attempts, "notify_error": None}
            else:
                values = {"notify_attempts": attempts, "notify_error": error, "notify_next_at": now + backoff(attempts)}
            connection.execute(update(messages).where(messages.c.id == row["id"]).values(**values))
        if error is None:
            log.info("store: message %s from %s announced", row["id"], mask_number(row["caller"]))
            return 1
        log.warning("store: announcing message %s failed (%s, attempt %d); retrying in %s", row["id"], error,
                    attempts, backoff(attempts))  # fmt: skip
        return 0


def payload(row: dict[str, Any]) -> dict[str, Any]:
    recorded = row["recorded_at"]
    return {
        "event": "message.new",
        "id": row["id"],
        "call_sid": row["call_sid"],
        "caller": row["caller"],
        "hotline": row["hotline"],
        "node": row["node"],
        "language": row["language"],
        "recorded_at": recorded.isoformat() if recorded else None,
        "duration_s": row["duration_s"],
        "recording_url": row["recording_url"],
        "recording_sid": row["recording_sid"],
    }


def _due_clause(now: datetime) -> Any:
    return and_(
        messages.c.notified_at.is_(None), or_(messages.c.notify_next_at.is_(None), messages.c.notify_next_at <= now)
    )
