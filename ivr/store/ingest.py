"""Spool records into the tables, in one transaction per batch; safe to repeat.

A record is one webhook: ``{"id", "call", "at", "ns", "events": [fact, ...]}`` (``ivr.store.recorder``).
Events are inserted with their ids and ``ON CONFLICT DO NOTHING``; the ``calls`` row is touched
and then updated field by field (a start fills the parties once, a status callback the end), and a
message is inserted once per ``RecordingSid``. So records may arrive twice, late, or out of order
between hosts (a call whose webhooks alternate between two hosts is forwarded by two processes),
and the tables still say the same. The touched calls' digests (``ivr.store.digest``) are made again
in the same transaction, so a report never waits for them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, update

from ivr.store import digest
from ivr.store.schema import calls, events, messages
from ivr.store.upsert import insert_for

EVENT_COLUMNS = tuple(c.name for c in events.columns if c.name not in ("id", "call_sid", "at", "received_ns", "seq"))
CALL_ONLY = ("from_number", "to_number", "recording_sid")  # kept in calls/messages, not in each event


def ingest(connection: Connection, records: Iterable[Mapping[str, Any]], now: datetime | None = None) -> int:
    """Store ``records``; returns how many events they held."""
    now = now or datetime.now(UTC)
    event_rows: list[dict[str, Any]] = []
    touched: dict[str, datetime] = {}
    starts: list[dict[str, Any]] = []
    languages: list[dict[str, Any]] = []
    ends: list[dict[str, Any]] = []
    new_messages: list[dict[str, Any]] = []
    for record in records:
        sid, at, ns = str(record["call"]), datetime.fromisoformat(record["at"]), int(record["ns"])
        touched[sid] = now
        for seq, raw in enumerate(record.get("events", ())):
            row = _event_row(record, seq, raw, sid, at, ns)
            event_rows.append(row)
            kind = row["kind"]
            if kind == "start":
                starts.append({"sid": sid, "f": raw.get("from_number"), "t": raw.get("to_number"), "at": at,
                               "lang": row["language"]})  # fmt: skip
            elif kind == "language":
                languages.append({"sid": sid, "lang": row["language"]})
            elif kind == "end":
                ends.append({"sid": sid, "at": at, "status": row["status"], "duration": row["duration_s"]})
            elif kind == "message" and row["status"] == "completed" and raw.get("recording_sid") and row["value"]:
                new_messages.append({
                    "recording_sid": raw["recording_sid"], "call_sid": sid, "hotline": row["hotline"],
                    "node": row["node"], "language": row["language"], "recorded_at": at,
                    "duration_s": row["duration_s"], "recording_url": row["value"],
                })  # fmt: skip
    if not touched:
        return 0
    touch = insert_for(connection, calls)
    connection.execute(
        touch.on_conflict_do_update(index_elements=[calls.c.call_sid], set_={"updated_at": touch.excluded.updated_at}),
        [{"call_sid": sid, "updated_at": when} for sid, when in touched.items()],
    )
    if starts:
        connection.execute(
            update(calls)
            .where(calls.c.call_sid == bindparam("sid"))
            .values(
                from_number=func.coalesce(calls.c.from_number, bindparam("f")),
                to_number=func.coalesce(calls.c.to_number, bindparam("t")),
                started_at=func.coalesce(calls.c.started_at, bindparam("at", type_=calls.c.started_at.type)),
                language=func.coalesce(calls.c.language, bindparam("lang")),
            ),
            starts,
        )
        connection.execute(
            update(messages)
            .where(and_(messages.c.call_sid == bindparam("sid"), messages.c.caller.is_(None)))
            .values(caller=bindparam("f")),
            [{"sid": s["sid"], "f": s["f"]} for s in starts],
        )
    if languages:
        connection.execute(
            update(calls).where(calls.c.call_sid == bindparam("sid")).values(language=bindparam("lang")), languages
        )
    if ends:
        connection.execute(
            update(calls)
            .where(calls.c.call_sid == bindparam("sid"))
            .values(
                ended_at=bindparam("at", type_=calls.c.ended_at.type),
                call_status=bindparam("status"),
                duration_s=bindparam("duration"),
            ),
            ends,
        )
    if new_messages:
        callers = dict(
            connection.execute(
                select(calls.c.call_sid, calls.c.from_number).where(
                    calls.c.call_sid.in_({m["call_sid"] for m in new_messages})
                )
            ).all()
        )
        for message in new_messages:
            message["caller"] = callers.get(message["call_sid"])
        connection.execute(
            insert_for(connection, messages).on_conflict_do_nothing(index_elements=[messages.c.recording_sid]),
            new_messages,
        )
    connection.execute(insert_for(connection, events).on_conflict_do_nothing(index_elements=[events.c.id]), event_rows)
    digest.refresh(connection, touched)
    return len(event_rows)


def _event_row(record: Mapping[str, Any], seq: int, raw: Mapping[str, Any], sid: str, at: datetime, ns: int) -> dict:
    row: dict[str, Any] = {name: raw.get(name) for name in EVENT_COLUMNS}
    detail = dict(raw.get("detail") or {})
    if raw.get("recording_sid"):
        detail["recording_sid"] = raw["recording_sid"]
    row["detail"] = json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None
    row.update(id=f"{record['id']}{seq:02d}", call_sid=sid, at=at, received_ns=ns, seq=seq)
    return row
