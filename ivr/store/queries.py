"""Reading the store: recent calls, one call's journey, the message inbox; and the deletions.

What ``ivr calls`` shows for a call is computed from its events: the *path* is the nodes entered in
order, the *outcome* the way it ended (transferred to a hotline and how the dial went, left a
message, ended at a goodbye, hung up at a node, or still in progress). A call with no status
callback yet (``/voice/status`` is optional in Twilio's console) is in progress only while it can
be: Twilio ends every call by its account's time limit (4 hours unless raised; the digest's
``LONGEST_CALL``), so an older one has ended, and is shown so, saying that no status came.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, desc, func, select, update

from ivr.store.digest import LONGEST_CALL
from ivr.store.schema import call_digests, calls, events, messages


@dataclass
class CallSummary:
    call_sid: str
    from_number: str | None
    to_number: str | None
    language: str | None
    started_at: datetime | None
    ended_at: datetime | None
    call_status: str | None
    duration_s: int | None
    path: list[str] = field(default_factory=list)
    outcome: str = "in progress"
    over_unreported: bool = False  # no status came, but the call is older than a call can last

    def as_json(self) -> dict[str, Any]:
        return {
            "call_sid": self.call_sid,
            "from": self.from_number,
            "to": self.to_number,
            "language": self.language,
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "call_status": self.call_status,
            "duration_s": self.duration_s,
            "path": self.path,
            "outcome": self.outcome,
        }


def recent_calls(
    connection: Connection, limit: int = 20, since: datetime | None = None, now: datetime | None = None
) -> list[CallSummary]:
    """The ``limit`` most recent calls (since ``since``); ``now`` tells which status-less ones have ended."""
    query = select(calls).order_by(desc(func.coalesce(calls.c.started_at, calls.c.updated_at))).limit(limit)
    if since is not None:
        query = query.where(func.coalesce(calls.c.started_at, calls.c.updated_at) >= since)
    rows = connection.execute(query).mappings().all()
    journeys = _events_of(connection, [r["call_sid"] for r in rows])
    return [_summary(row, journeys.get(row["call_sid"], []), now) for row in rows]


def call_with_events(
    connection: Connection, call_sid: str, now: datetime | None = None
) -> tuple[CallSummary, list[dict[str, Any]]] | None:
    """A call and its events in order, or None; ``call_sid`` may be a unique prefix (``now``: as for
    ``recent_calls``)."""
    row = connection.execute(select(calls).where(calls.c.call_sid == call_sid)).mappings().first()
    if row is None:
        matches = connection.execute(select(calls).where(calls.c.call_sid.startswith(call_sid)).limit(2)).mappings()
        found = matches.all()
        if len(found) != 1:
            return None
        row = found[0]
    journey = _events_of(connection, [row["call_sid"]]).get(row["call_sid"], [])
    return _summary(row, journey, now), journey


def list_messages(connection: Connection, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    query = (
        select(
            messages.c.id, messages.c.status, messages.c.recorded_at, messages.c.call_sid,
            func.coalesce(messages.c.caller, calls.c.from_number).label("caller"), messages.c.hotline,
            messages.c.language, messages.c.duration_s, messages.c.recording_url, messages.c.recording_sid,
            messages.c.handled_at, messages.c.notified_at, messages.c.notify_attempts, messages.c.notify_error,
        )
        .select_from(messages.outerjoin(calls, calls.c.call_sid == messages.c.call_sid))
        .order_by(desc(messages.c.recorded_at), desc(messages.c.id))
        .limit(limit)
    )  # fmt: skip
    if status:
        query = query.where(messages.c.status == status)
    return [dict(r) for r in connection.execute(query).mappings()]


def handle_message(connection: Connection, message_id: int, now: datetime) -> bool:
    """Mark a message handled; False if there is no such message (handling twice is fine)."""
    result = connection.execute(
        update(messages)
        .where(messages.c.id == message_id)
        .values(status="handled", handled_at=func.coalesce(messages.c.handled_at, now))
    )
    return result.rowcount == 1


@dataclass(frozen=True)
class Purged:
    calls: int
    events: int
    messages: int
    kept_unhandled: int


def purge(connection: Connection, before: datetime, *, include_unhandled: bool = False) -> Purged:
    """Delete calls whose last activity is before ``before``, with their events and messages. A call
    with a message nobody has handled yet is kept (its caller is still owed a callback) unless
    ``include_unhandled``."""
    old = select(calls.c.call_sid).where(calls.c.updated_at < before)
    owed = select(messages.c.call_sid).where(and_(messages.c.status != "handled", messages.c.call_sid.in_(old)))
    kept = 0
    if not include_unhandled:
        kept = connection.execute(select(func.count()).select_from(owed.distinct().subquery())).scalar_one()
    doomed = old if include_unhandled else old.where(calls.c.call_sid.not_in(owed))
    sids = [r[0] for r in connection.execute(doomed)]
    counts = [0, 0, 0]
    for start in range(0, len(sids), 500):
        chunk = sids[start : start + 500]
        counts[1] += connection.execute(delete(events).where(events.c.call_sid.in_(chunk))).rowcount
        counts[2] += connection.execute(delete(messages).where(messages.c.call_sid.in_(chunk))).rowcount
        connection.execute(delete(call_digests).where(call_digests.c.call_sid.in_(chunk)))
        counts[0] += connection.execute(delete(calls).where(calls.c.call_sid.in_(chunk))).rowcount
    return Purged(counts[0], counts[1], counts[2], kept)


def cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


# --- building summaries -------------------------------------------------------------------------------


def _events_of(connection: Connection, sids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    journeys: dict[str, list[dict[str, Any]]] = {sid: [] for sid in sids}
    if not sids:
        return journeys
    query = (
        select(events)
        .where(events.c.call_sid.in_(list(sids)))
        .order_by(events.c.call_sid, events.c.received_ns, events.c.seq)
    )
    for row in connection.execute(query).mappings():
        event = dict(row)
        event["detail"] = json.loads(event["detail"]) if event["detail"] else {}
        journeys[event["call_sid"]].append(event)
    return journeys


def _summary(row: Any, journey: list[dict[str, Any]], now: datetime | None = None) -> CallSummary:
    summary = CallSummary(
        row["call_sid"], row["from_number"], row["to_number"], row["language"], row["started_at"], row["ended_at"],
        row["call_status"], row["duration_s"],
    )  # fmt: skip
    for event in journey:
        if event["kind"] == "enter" and event["node"] and (not summary.path or summary.path[-1] != event["node"]):
            summary.path.append(event["node"])
    began = row["started_at"] or row["updated_at"]
    over = summary.call_status is None and now is not None and began is not None and began <= now - LONGEST_CALL
    summary.over_unreported = over
    summary.outcome = outcome(journey, summary.call_status, over=over)
    return summary


def outcome(journey: list[dict[str, Any]], call_status: str | None, *, over: bool = False) -> str:
    """How the call ended, from its events (the last decisive one wins). ``over``: no status came,
    but the call is older than any call can last, so it has ended."""
    result = ""
    for event in journey:
        kind = event["kind"]
        if kind == "transfer":
            result = f"transferred to {event['hotline']}"
        elif kind == "dial":
            result = f"transfer to {event['hotline']}: {event['status'] or 'no status'}"
        elif kind in ("recorded", "message"):
            result = "left a message"
        elif kind == "hangup" and not result.startswith(("left", "transfer")):
            result = "ended by the line"
        elif kind == "fallback" and event.get("target") is None:
            result = "fallback, ended"
    last = next((e["node"] for e in reversed(journey) if e["kind"] == "enter"), None)
    if not result:
        if call_status is None:
            if not over:
                return "in progress"
            return f"hung up at {last} (no call status came)" if last else "ended (no call status came)"
        return f"hung up at {last}" if last else (call_status or "ended")
    return result


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def message_json(row: dict[str, Any]) -> dict[str, Any]:
    return {key: (_iso(value) if isinstance(value, datetime) else value) for key, value in row.items()}


__all__ = [
    "CallSummary", "Purged", "call_with_events", "cutoff", "handle_message", "list_messages", "message_json",
    "outcome", "purge", "recent_calls",
]  # fmt: skip
