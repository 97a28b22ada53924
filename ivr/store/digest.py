"""Each call's journey in brief (``call_digests``), so that a report reads one row per call.

A report over 100,000 calls used to aggregate their ~750,000 events twice (this period and the one
before): 5–6 s on SQLite, against a goal of under 2 s. A digest holds what the report needs of one
call, and nothing that depends on the menu file (which nodes are topics is the tree's business, and
the tree can change after the call):

* flags: a message left, a dial answered, a transfer attempted, a hotline reached (open or closed);
* the language the caller chose;
* ``path``: the nodes entered, in order, with seconds since the call's start;
* ``tallies``: counts of silences, fallbacks, inputs (by mode, matched or not), dials (by hotline and
  status), transfers and closed hotlines, per node.

The journey is kept in two parts: ``journey`` (the nodes and tallies, no times) and ``timings``
(seconds since the start, one per node entered). Calls that went the same way have the same
``journey``, so a reader decodes each distinct journey once and keeps only the timings per call.

A digest is a function of the call's events only, so it is simply made again from them. When:

* ``ingest`` makes it, in the batch's transaction, once the call has **ended** (Twilio's status
  callback), and from then on whenever the call changes (a recording reported after the hang-up).
  A call in progress has no digest: remaking it at every webhook read each call's events again
  and again (a call of nine webhooks forwarded in nine batches read about 45 events to keep one
  digest), which was a third of the forwarder's CPU under load (docs/performance.md);
* a call that already has one (made by a report or by ``settle_quiet`` while it was in progress)
  is kept fresh by every ``ingest`` that touches it, so a digest that exists is never behind;
* ``settle_quiet``, which the forwarder runs every minute, makes the digests of calls that went
  quiet without an end (a number whose status callback is not set: nothing else would ever end
  them);
* a report makes the missing ones of its period first (``missing``, then ``freshen``): the calls
  in progress, a handful at any moment.

A call's ingest holds the call's row (it touches ``updated_at`` first), so two hosts forwarding
one call take turns and the later digest sees both hosts' events. ``freshen`` remakes any digest
whose ``source_updated_at`` is not the call's ``updated_at`` (rows written around ``ingest``).
The upgrade that added digests made them for the calls already stored. A change to what a digest
holds (this module's ``summary``) must come with a migration that remakes them (``freshen`` after
clearing the table), or old calls keep the old meaning.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, case, func, or_, select

from ivr.store.schema import call_digests, calls, events
from ivr.store.upsert import insert_in

#: Event kinds the digest counts per node (entries are in ``path``).
TALLIED = frozenset({"no_input", "fallback", "input", "dial", "transfer", "closed"})
#: How long a call with no end must have been quiet before ``settle_quiet`` digests it, and how far
#: back it looks: Twilio ends a call after 4 hours unless told otherwise (``timeLimit``,
#: https://www.twilio.com/docs/voice/twiml/dial#timelimit), so an older call is not in progress.
QUIET = timedelta(seconds=60)
LONGEST_CALL = timedelta(hours=4, minutes=30)
CHUNK = 500  # call ids per IN (...) list: well inside SQLite's and PostgreSQL's parameter limits

Tally = tuple[str, "str | None", "str | None", bool, "str | None", "str | None", int]


@dataclass(frozen=True)
class Journey:
    """One way through the line, and how many calls of one period went it."""

    later: bool  # in the second of the two periods read
    language: str | None  # the language chosen, else the call's
    has_message: bool
    has_completed: bool
    has_transfer: bool
    reached_hotline: bool
    path: tuple[str, ...]  # the nodes entered, in order
    tallies: tuple[Tally, ...]  # (kind, node, input mode, unmatched, hotline, status, count)
    calls: int
    timings: tuple[str, ...] = ()  # per call, JSON: seconds since its start at each node of ``path``


def refresh(connection: Connection, call_sids: Collection[str]) -> int:
    """Make the digests of ``call_sids`` again from their events; returns how many were written."""
    written = 0
    sids = list(call_sids)
    for start in range(0, len(sids), CHUNK):
        rows = _made(connection, sids[start : start + CHUNK])
        if rows:
            connection.execute(_statements(connection.dialect.name).upsert, rows)
            written += len(rows)
    return written


def settled(connection: Connection, call_sids: Collection[str]) -> list[str]:
    """Of ``call_sids``, the calls whose digests ``ingest`` keeps: those that ended, and those that
    already have a digest (see the module's docstring)."""
    kept: list[str] = []
    sids = list(call_sids)
    query = _statements(connection.dialect.name).settled
    for start in range(0, len(sids), CHUNK):
        kept.extend(connection.execute(query, {"sids": sids[start : start + CHUNK]}).scalars())
    return kept


def settle_quiet(connection: Connection, now: datetime) -> int:
    """Make the missing or stale digests of the calls that started within ``LONGEST_CALL`` of
    ``now`` and have had no webhook for ``QUIET``; returns how many were made."""
    quiet = _stale().where(calls.c.started_at >= now - LONGEST_CALL, calls.c.updated_at <= now - QUIET)
    return refresh(connection, connection.execute(quiet).scalars().all())


def freshen(connection: Connection, since: datetime | None = None, until: datetime | None = None) -> int:
    """Make the digests that are missing or stale (of the calls that started in [since, until), or of
    all calls): after an upgrade from a store without digests, or rows written around ``ingest``."""
    stale = _stale()
    if since is not None and until is not None:
        stale = stale.where(calls.c.started_at >= since, calls.c.started_at < until)
    return refresh(connection, connection.execute(stale).scalars().all())


def _with_digests(query: Any) -> Any:
    """``query`` over the calls, each with its digest's row if it has one."""
    return query.select_from(calls.outerjoin(call_digests, call_digests.c.call_sid == calls.c.call_sid))


def _stale() -> Any:
    """The calls whose digest is missing or older than the call's last change."""
    return _with_digests(select(calls.c.call_sid)).where(
        or_(call_digests.c.call_sid.is_(None), call_digests.c.source_updated_at != calls.c.updated_at)
    )


def missing(connection: Connection, since: datetime, until: datetime) -> bool:
    """Whether some call that started in [since, until) has no digest: two index-only counts, so a
    reader can afford to ask before every read."""

    def count(table: Any) -> int:
        period = and_(table.c.started_at >= since, table.c.started_at < until)
        return int(connection.execute(select(func.count()).select_from(table).where(period)).scalar_one())

    return count(calls) != count(call_digests)


def journeys(connection: Connection, bounds: tuple[datetime, datetime, datetime]) -> Iterator[Journey]:
    """The calls that started in [a, c) for ``bounds`` = (a, b, c), grouped by the way they went;
    ``later`` tells [b, c) from [a, b). One read of the digests (grouping in the database as well
    took two: the timings are per call); each distinct journey is decoded once."""
    d = call_digests.c
    query = select(_later(bounds[1]), d.language, d.has_message, d.has_completed, d.has_transfer,
                   d.reached_hotline, d.journey, d.timings).where(_started(bounds))  # fmt: skip
    groups: dict[tuple[Any, ...], list[str]] = {}
    for *key, seconds in connection.execute(query).all():
        groups.setdefault(tuple(key), []).append(seconds)
    decoded: dict[str, tuple[tuple[str, ...], tuple[Tally, ...]]] = {}
    for (is_later, lang, message, completed, transfer, hotline, journey), seconds in groups.items():
        if journey not in decoded:
            data = json.loads(journey)
            decoded[journey] = (tuple(data["path"]), tuple(tuple(t) for t in data["tallies"]))  # type: ignore[misc]
        path, tallies = decoded[journey]
        yield Journey(bool(is_later), lang, bool(message), bool(completed), bool(transfer), bool(hotline),
                      path, tallies, len(seconds), tuple(seconds))  # fmt: skip


def _started(bounds: tuple[datetime, datetime, datetime]) -> Any:
    return and_(call_digests.c.started_at >= bounds[0], call_digests.c.started_at < bounds[2])


def _later(middle: datetime) -> Any:
    return case((call_digests.c.started_at >= middle, 1), else_=0)


class _Statements(NamedTuple):
    upsert: Any
    settled: Any
    parties: Any
    events: Any


@functools.cache
def _statements(dialect: str) -> _Statements:
    """The statements ``ingest`` runs for every batch, built once per dialect (the ``IN`` lists
    are expanding parameters): building an ``ON CONFLICT`` upsert and its column proxies anew
    cost the forwarder more than running it."""
    statement = insert_in(dialect, call_digests)
    columns = {c.name: statement.excluded[c.name] for c in call_digests.columns if c.name != "call_sid"}
    sids = bindparam("sids", expanding=True)
    return _Statements(
        upsert=statement.on_conflict_do_update(index_elements=[call_digests.c.call_sid], set_=columns),
        settled=_with_digests(select(calls.c.call_sid))
        .where(calls.c.call_sid.in_(sids))
        .where(or_(calls.c.ended_at.is_not(None), call_digests.c.call_sid.is_not(None))),
        parties=select(calls.c.call_sid, calls.c.updated_at, calls.c.started_at, calls.c.language).where(
            calls.c.call_sid.in_(sids)
        ),
        events=select(events.c.call_sid, events.c.at, events.c.kind, events.c.node, events.c.language,
                      events.c.input_mode, events.c.choice, events.c.hotline, events.c.status)
        .where(events.c.call_sid.in_(sids))
        .order_by(events.c.call_sid, events.c.received_ns, events.c.seq),
    )  # fmt: skip


def _made(connection: Connection, sids: list[str]) -> list[dict[str, Any]]:
    """Digest rows for ``sids`` (at most ``CHUNK``), from their events."""
    statements = _statements(connection.dialect.name)
    wanted = {"sids": sids}
    parties = {row.call_sid: row for row in connection.execute(statements.parties, wanted)}
    # calls.updated_at is read before the events: see the module's docstring
    query, params = statements.events, wanted
    by_call: dict[str, list[Any]] = {sid: [] for sid in parties}
    for event in connection.execute(query, params):
        by_call.setdefault(event.call_sid, []).append(event)
    rows = []
    for sid, journey in by_call.items():
        call = parties.get(sid)
        if call is not None:
            row = {"call_sid": sid, "source_updated_at": call.updated_at, "started_at": call.started_at,
                   **summary(journey)}  # fmt: skip
            row["language"] = row.pop("chosen_language") or call.language
            rows.append(row)
    return rows


def summary(journey: Iterable[Any]) -> dict[str, Any]:
    """The digest's columns for one call's events, in order (rows with ``kind``, ``at``, ``node``,
    ``language``, ``input_mode``, ``choice``, ``hotline``, ``status``); ``chosen_language`` is the
    last language chosen, if any. One pass: the forwarder makes a digest for every call that ends."""
    first_at = origin = chosen = None
    path: list[str] = []
    stamps: list[datetime] = []
    tallies: Counter[tuple[Any, ...]] = Counter()
    kinds: set[str] = set()
    message = completed = False
    for e in journey:
        kind = e.kind
        kinds.add(kind)
        if first_at is None:
            first_at = e.at
        if kind == "enter":
            path.append(e.node)
            stamps.append(e.at)
            continue
        if kind in TALLIED:
            tallies[(kind, e.node, e.input_mode, kind == "input" and e.choice is None, e.hotline, e.status)] += 1
        if kind == "start":
            origin = origin or e.at
        elif kind == "language":
            chosen = e.language or chosen
        elif kind == "recorded" or (kind == "message" and e.status == "completed"):
            # a recording the line kept: Twilio reports "absent" for a recording with no audio (the
            # caller stayed silent), which is not a message left
            message = True
        elif kind == "dial" and e.status == "completed":
            completed = True
    origin = origin or first_at
    return {
        "chosen_language": chosen,
        "has_message": int(message),
        "has_completed": int(completed),
        "has_transfer": int("transfer" in kinds),
        "reached_hotline": int(bool(kinds & {"transfer", "closed", "record"})),
        "journey": _json({"path": path, "tallies": [[*key, n] for key, n in sorted(tallies.items(), key=repr)]}),
        "timings": _json([round((at - origin).total_seconds(), 3) for at in stamps]),
    }


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
