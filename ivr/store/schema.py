"""The tables, as SQLAlchemy Core metadata (the migrations in ``ivr/store/migrations`` create them).

* ``calls``: one row per ``CallSid``: who called whom, when, in which language, how it ended
  (``CallStatus`` and ``CallDuration`` from Twilio's status callback).
* ``events``: the journey, one row per thing that happened (a node entered, an input, a reprompt,
  a transfer, ...). ``id`` is made when the webhook recorded it, so forwarding an event twice
  (after a crash, from two hosts) stores it once. Ordered by ``received_ns`` (the host's wall
  clock when the webhook arrived) then ``seq`` (its place within that webhook): the webhooks of
  one call are sequential, since Twilio waits for each answer before the next request.
* ``call_digests``: one row per call, the journey in brief (``ivr.store.digest``), kept as events
  arrive, so that a report reads one row per call rather than every event.
* ``messages``: a recording left after hours, once Twilio reports it ``completed``; one per
  ``RecordingSid``; ``status`` new → handled; ``notified_at`` once the team's webhook took it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database: SQLite keeps no offset, so values are converted to
    UTC on the way in and marked UTC on the way out (PostgreSQL: ``timestamp with time zone``)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


calls = Table(
    "calls",
    metadata,
    Column("call_sid", String(64), primary_key=True),
    Column("from_number", String(64)),
    Column("to_number", String(64)),
    Column("language", String(16)),
    Column("started_at", UtcDateTime()),
    Column("ended_at", UtcDateTime()),
    Column("call_status", String(32)),
    Column("duration_s", Integer),
    Column("updated_at", UtcDateTime(), nullable=False),
)
Index("ix_calls_started_at", calls.c.started_at)

events = Table(
    "events",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("call_sid", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),  # the service's clock (UTC): when it happened
    Column("received_ns", BigInteger, nullable=False),  # the host's wall clock, for ordering
    Column("seq", Integer, nullable=False),  # order within one webhook
    Column("kind", String(32), nullable=False),
    Column("node", String(128)),
    Column("language", String(16)),
    Column("input_mode", String(8)),  # "dtmf" | "speech"
    Column("value", Text),  # the key pressed or the phrase heard
    Column("confidence", Float),
    Column("choice", String(128)),  # what the input meant: "option 3", "help", "zh-CN"; NULL = no match
    Column("attempt", Integer),  # for no-input / no-match / reprompt
    Column("target", String(128)),  # the node a fallback or option led to
    Column("hotline", String(128)),
    Column("status", String(32)),  # DialCallStatus, CallStatus, RecordingStatus
    Column("duration_s", Integer),
    Column("detail", Text),  # anything else, as JSON
)
Index("ix_events_call", events.c.call_sid, events.c.received_ns, events.c.seq)
Index("ix_events_at", events.c.at)

call_digests = Table(
    "call_digests",
    metadata,
    Column("call_sid", String(64), primary_key=True),
    Column("source_updated_at", UtcDateTime(), nullable=False),  # calls.updated_at when the digest was made
    Column("started_at", UtcDateTime()),  # calls.started_at, copied so a report reads this table alone
    Column("language", String(16)),  # the last language the caller chose, else the call's
    Column("has_message", Integer, nullable=False),  # 0/1: a message (recording) event
    Column("has_completed", Integer, nullable=False),  # 0/1: a dial answered (DialCallStatus=completed)
    Column("has_transfer", Integer, nullable=False),  # 0/1: a transfer attempt
    Column("reached_hotline", Integer, nullable=False),  # 0/1: a transfer, a closed hotline or a record
    Column("journey", Text, nullable=False),  # JSON: the nodes entered and the tallies (no times)
    Column("timings", Text, nullable=False),  # JSON: seconds since the start, one per node entered
)

Index("ix_call_digests_started_at", call_digests.c.started_at)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recording_sid", String(64), nullable=False, unique=True),
    Column("call_sid", String(64), nullable=False),
    Column("caller", String(64)),
    Column("hotline", String(128)),
    Column("node", String(128)),
    Column("language", String(16)),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("duration_s", Integer),
    Column("recording_url", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default="new"),  # new | handled
    Column("handled_at", UtcDateTime()),
    Column("notified_at", UtcDateTime()),
    Column("notify_attempts", Integer, nullable=False, server_default="0"),
    Column("notify_next_at", UtcDateTime()),
    Column("notify_error", Text),
)
Index("ix_messages_status", messages.c.status, messages.c.recorded_at)
Index("ix_messages_call", messages.c.call_sid)
