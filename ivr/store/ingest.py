"""Spool records into the tables, in one transaction per batch; safe to repeat.

A record is one webhook: ``{"id", "call", "at", "ns", "events": [fact, ...]}`` (``ivr.store.recorder``).
Events are inserted with their ids and ``ON CONFLICT DO NOTHING``; the ``calls`` row is touched
and then updated field by field (a start fills the parties once, a status callback the end), and a
message is inserted once per ``RecordingSid``. So records may arrive twice, late, or out of order
between hosts (a call whose webhooks alternate between two hosts is forwarded by two processes),
and the tables still say the same. The digests (``ivr.store.digest``) of the touched calls that
ended, or already had one, are made again in the same transaction.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, func, select, update

from ivr.store import digest
from ivr.store.schema import calls, events, messages
from ivr.store.upsert import insert_in

_MADE_HERE = ("id", "call_sid", "at", "received_ns", "seq", "detail")
#: What each event of a record gives its row, as the recorder names it (``detail`` is made apart).
EVENT_FIELDS = tuple(c.name for c in events.columns if c.name not in _MADE_HERE)
EVENT_ORDER = ("id", "call_sid", "at", "received_ns", "seq", *EVENT_FIELDS, "detail")


def ingest(connection: Connection, records: Iterable[Mapping[str, Any]], now: datetime | None = None) -> int:
    """Store ``records``; returns how many events they held."""
    now = now or datetime.now(UTC)
    event_rows: list[tuple[Any, ...]] = []
    touched: dict[str, datetime] = {}
    starts: list[dict[str, Any]] = []
    languages: list[dict[str, Any]] = []
    ends: list[dict[str, Any]] = []
    new_messages: list[dict[str, Any]] = []
    at_value = _bind(connection, events.c.at)
    for record in records:
        sid, at, ns = str(record["call"]), datetime.fromisoformat(record["at"]), int(record["ns"])
        touched[sid] = now
        prefix, stored_at = record["id"], at_value(at)
        for seq, raw in enumerate(record.get("events", ())):
            get = raw.get
            kind = get("kind")
            event_rows.append((f"{prefix}{seq:02d}", sid, stored_at, ns, seq, *map(get, EVENT_FIELDS), _detail(raw)))
            if kind == "start":
                starts.append({"sid": sid, "f": get("from_number"), "t": get("to_number"), "at": at,
                               "lang": get("language")})  # fmt: skip
            elif kind == "language":
                languages.append({"sid": sid, "lang": get("language")})
            elif kind == "end":
                ends.append({"sid": sid, "at": at, "status": get("status"), "duration": get("duration_s")})
            elif kind == "message" and get("status") == "completed" and get("recording_sid") and get("value"):
                new_messages.append({
                    "recording_sid": raw["recording_sid"], "call_sid": sid, "hotline": get("hotline"),
                    "node": get("node"), "language": get("language"), "recorded_at": at,
                    "duration_s": get("duration_s"), "recording_url": get("value"),
                })  # fmt: skip
    if not touched:
        return 0
    statements = _statements(connection.dialect.name)
    connection.execute(statements.touch, [{"call_sid": sid, "updated_at": when} for sid, when in touched.items()])
    if starts:
        connection.execute(statements.start, starts)
        connection.execute(statements.message_caller, [{"sid": s["sid"], "f": s["f"]} for s in starts])
    if languages:
        connection.execute(statements.language, languages)
    if ends:
        connection.execute(statements.end, ends)
    if new_messages:
        wanted = {"sids": sorted({m["call_sid"] for m in new_messages})}
        callers = dict(connection.execute(statements.callers, wanted).all())
        for message in new_messages:
            message["caller"] = callers.get(message["call_sid"])
        connection.execute(statements.message, new_messages)
    connection.exec_driver_sql(_events_insert(connection.dialect.paramstyle), event_rows)
    digest.refresh(connection, digest.settled(connection, touched))
    return len(event_rows)


class _Statements(NamedTuple):
    touch: Any
    start: Any
    message_caller: Any
    language: Any
    end: Any
    callers: Any
    message: Any


@functools.cache
def _statements(dialect: str) -> _Statements:
    """The batch's statements, built once per dialect: building them (``excluded``, the column
    proxies of an ``ON CONFLICT``) cost more than SQLAlchemy's compiled-statement cache saves."""
    touch = insert_in(dialect, calls)
    sid = calls.c.call_sid == bindparam("sid")
    return _Statements(
        touch=touch.on_conflict_do_update(
            index_elements=[calls.c.call_sid], set_={"updated_at": touch.excluded.updated_at}
        ),
        start=update(calls).where(sid).values(
            from_number=func.coalesce(calls.c.from_number, bindparam("f")),
            to_number=func.coalesce(calls.c.to_number, bindparam("t")),
            started_at=func.coalesce(calls.c.started_at, bindparam("at", type_=calls.c.started_at.type)),
            language=func.coalesce(calls.c.language, bindparam("lang")),
        ),
        message_caller=update(messages)
        .where(and_(messages.c.call_sid == bindparam("sid"), messages.c.caller.is_(None)))
        .values(caller=bindparam("f")),
        language=update(calls).where(sid).values(language=bindparam("lang")),
        end=update(calls).where(sid).values(
            ended_at=bindparam("at", type_=calls.c.ended_at.type),
            call_status=bindparam("status"),
            duration_s=bindparam("duration"),
        ),
        callers=select(calls.c.call_sid, calls.c.from_number).where(
            calls.c.call_sid.in_(bindparam("sids", expanding=True))
        ),
        message=insert_in(dialect, messages).on_conflict_do_nothing(index_elements=[messages.c.recording_sid]),
    )  # fmt: skip


def _detail(raw: Mapping[str, Any]) -> str | None:
    detail = dict(raw.get("detail") or {})
    if raw.get("recording_sid"):
        detail["recording_sid"] = raw["recording_sid"]
    return json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None


def _bind(connection: Connection, column: Any) -> Callable[[Any], Any]:
    """What ``column``'s type stores for a value in this database (SQLAlchemy's own conversion, so
    the rows are the same as through ``insert``)."""
    process = column.type.bind_processor(connection.dialect)
    return process or (lambda value: value)


@functools.cache
def _events_insert(paramstyle: str) -> str:
    """The events ``INSERT ... ON CONFLICT (id) DO NOTHING`` in the driver's own placeholders.

    The events are most of what a batch writes (two or three a webhook), and SQLAlchemy's
    per-row parameter processing for them cost about as much as SQLite's own work; the rows are
    made as tuples in this column order and go to the driver's ``executemany`` as they are."""
    marker = "?" if paramstyle == "qmark" else "%s"  # sqlite3: qmark; psycopg: format/pyformat
    names = ", ".join(EVENT_ORDER)
    marks = ", ".join([marker] * len(EVENT_ORDER))
    return f"INSERT INTO {events.name} ({names}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING"
