"""The store read for a report: a few aggregate queries, each one pass over the period's events.

Portable SQL (SQLAlchemy Core; window functions, which SQLite has had since 3.25 and PostgreSQL
always): what can be counted in the database is counted there, and only one row per call (its
outcome flags) and one per node or edge comes back to Python. That is what keeps a report over
100,000 calls within a couple of seconds on SQLite (``benchmarks/report_scale.py``).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection, and_, case, func, literal, select

from ivr.analytics.figures import FUNNEL, HELPED, OUTCOMES, Figures, MenuFigures
from ivr.store.schema import calls, events, messages


def figures(
    connection: Connection,
    since: datetime,
    until: datetime,
    *,
    topics: Collection[str],
    menus: dict[str, tuple[str, str]],
    main_menu: str,
) -> Figures:
    """The figures of [since, until). ``topics``: the guidance nodes; ``menus``: node → (title, kind)
    for every node that listens for a choice (language, menus and guidance); ``main_menu``: the node
    a caller reaches once the language is chosen (the funnel's second stage)."""
    period = and_(calls.c.started_at >= since, calls.c.started_at < until)
    in_period = select(calls.c.call_sid).where(period).scalar_subquery()
    per_call = _per_call(connection, period, topics, main_menu)
    outcomes = Counter({name: 0 for name in OUTCOMES})
    languages: Counter[str] = Counter()
    to_topic: list[float] = []
    abandoned: set[str] = set()
    funnel = Counter({stage: 0 for stage in FUNNEL})
    for row in per_call:
        outcome = _outcome(row)
        outcomes[outcome] += 1
        funnel["calls"] += 1
        funnel["main_menu"] += bool(row.reached_main or row.has_guidance or row.reached_hotline)
        funnel["topic_or_hotline"] += bool(row.has_guidance or row.reached_hotline)
        funnel["helped"] += outcome in HELPED
        if outcome == "abandoned":
            abandoned.add(row.call_sid)
        languages[row.chosen_language or row.language or "unknown"] += 1
        if row.first_topic_at is not None and row.started_at is not None:
            to_topic.append((_aware(row.first_topic_at) - _aware(row.started_at)).total_seconds())
    last_nodes = _last_nodes(connection, in_period) if abandoned else {}
    abandoned_at = Counter(last_nodes[sid] for sid in abandoned if sid in last_nodes)
    node_counts = _node_counts(connection, in_period)
    inputs = _inputs(connection, in_period)
    menu_figures = tuple(
        MenuFigures(
            node=node,
            title=title,
            kind=kind,
            entries=node_counts[node, "enter"][0],
            callers=node_counts[node, "enter"][1],
            inputs=inputs[node]["all"],
            no_inputs=node_counts[node, "no_input"][0],
            no_matches=inputs[node]["no_match"],
            fallbacks=node_counts[node, "fallback"][0],
            abandoned_here=abandoned_at[node],
        )
        for node, (title, kind) in menus.items()
    )
    topic_calls = {t: node_counts[t, "enter"][1] for t in topics if node_counts[t, "enter"][1]}
    transfers, attempts, closed = _transfers(connection, in_period)
    keypad = sum(v["dtmf"] for v in inputs.values())
    speech = sum(v["speech"] for v in inputs.values())
    left = connection.execute(
        select(func.count()).select_from(messages).where(messages.c.call_sid.in_(in_period))
    ).scalar_one()
    return Figures(
        since=since,
        until=until,
        calls=len(per_call),
        languages=dict(languages.most_common()),
        keypad_inputs=keypad,
        speech_inputs=speech,
        outcomes=dict(outcomes),
        topics=dict(sorted(topic_calls.items(), key=lambda item: (-item[1], item[0]))),
        menus=menu_figures,
        transfers=transfers,
        transfer_attempts=attempts,
        after_hours_attempts=sum(closed.values()),
        after_hours_by_hotline=closed,
        messages_left=int(left),
        median_seconds_to_topic=round(statistics.median(to_topic), 1) if to_topic else None,
        edges=_edges(connection, in_period),
        funnel=dict(funnel),
    )


def _flag(condition) -> object:
    return func.max(case((condition, 1), else_=0))


def _per_call(connection: Connection, period, topics: Collection[str], main_menu: str) -> list:
    kind = events.c.kind
    topic_entry = and_(kind == "enter", events.c.node.in_(list(topics) or [""]))
    query = (
        select(
            calls.c.call_sid,
            calls.c.started_at,
            calls.c.language,
            _flag(kind.in_(("message", "recorded"))).label("has_message"),
            _flag(and_(kind == "dial", events.c.status == "completed")).label("has_completed"),
            _flag(kind == "transfer").label("has_transfer"),
            _flag(topic_entry).label("has_guidance"),
            _flag(and_(kind == "enter", events.c.node == main_menu)).label("reached_main"),
            _flag(kind.in_(("transfer", "closed", "record"))).label("reached_hotline"),
            func.max(case((kind == "language", events.c.language))).label("chosen_language"),
            func.min(case((topic_entry, events.c.at))).label("first_topic_at"),
        )
        .select_from(calls.outerjoin(events, events.c.call_sid == calls.c.call_sid))
        .where(period)
        .group_by(calls.c.call_sid, calls.c.started_at, calls.c.language)
    )
    return list(connection.execute(query))


def _outcome(row) -> str:
    if row.has_message:
        return "message"
    if row.has_completed:
        return "transferred"
    if row.has_transfer:
        return "transfer_failed"
    if row.has_guidance:
        return "contained"
    return "abandoned"


def _last_nodes(connection: Connection, in_period) -> dict[str, str]:
    """Each call's last node entered: where a caller who gave up was when they did."""
    ranked = (
        select(
            events.c.call_sid,
            events.c.node,
            func.row_number()
            .over(partition_by=events.c.call_sid, order_by=(events.c.received_ns.desc(), events.c.seq.desc()))
            .label("rank"),
        )
        .where(events.c.kind == "enter", events.c.call_sid.in_(in_period))
        .subquery()
    )
    rows = connection.execute(select(ranked.c.call_sid, ranked.c.node).where(ranked.c.rank == 1))
    return {sid: node for sid, node in rows}


def _node_counts(connection: Connection, in_period) -> defaultdict[tuple[str, str], tuple[int, int]]:
    """(node, kind) → (events, distinct calls) for entries, silences and fallbacks."""
    query = (
        select(events.c.node, events.c.kind, func.count(), func.count(events.c.call_sid.distinct()))
        .where(events.c.kind.in_(("enter", "no_input", "fallback")), events.c.call_sid.in_(in_period))
        .group_by(events.c.node, events.c.kind)
    )
    counts: defaultdict[tuple[str, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for node, kind, total, distinct in connection.execute(query):
        counts[node, kind] = (int(total), int(distinct))
    return counts


def _inputs(connection: Connection, in_period) -> defaultdict[str, Counter[str]]:
    """node → inputs: all, by mode (dtmf / speech), and those that matched no choice."""
    query = (
        select(
            events.c.node,
            events.c.input_mode,
            case((events.c.choice.is_(None), literal(1)), else_=literal(0)).label("unmatched"),
            func.count(),
        )
        .where(events.c.kind == "input", events.c.call_sid.in_(in_period))
        .group_by(events.c.node, events.c.input_mode, "unmatched")
    )
    result: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for node, mode, unmatched, count in connection.execute(query):
        result[node]["all"] += count
        result[node][mode or "dtmf"] += count
        if unmatched:
            result[node]["no_match"] += count
    return result


def _transfers(connection: Connection, in_period) -> tuple[dict[str, dict[str, int]], dict[str, int], dict[str, int]]:
    """Dial outcomes by hotline, dial attempts by hotline, and closed-line arrivals by hotline."""
    query = (
        select(events.c.kind, events.c.hotline, events.c.status, func.count())
        .where(events.c.kind.in_(("dial", "transfer", "closed")), events.c.call_sid.in_(in_period))
        .group_by(events.c.kind, events.c.hotline, events.c.status)
    )
    outcomes: dict[str, dict[str, int]] = defaultdict(dict)
    attempts: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    for kind, hotline, status, count in connection.execute(query):
        hotline = hotline or "unknown"
        if kind == "dial":
            outcomes[hotline][status or "unknown"] = outcomes[hotline].get(status or "unknown", 0) + int(count)
        elif kind == "transfer":
            attempts[hotline] += int(count)
        else:
            closed[hotline] += int(count)
    return dict(outcomes), dict(attempts), dict(closed)


def _edges(connection: Connection, in_period) -> dict[tuple[str, str], int]:
    """(node, next node) → how many times callers went that way (consecutive entries of one call)."""
    steps = (
        select(
            events.c.node,
            func.lag(events.c.node)
            .over(partition_by=events.c.call_sid, order_by=(events.c.received_ns, events.c.seq))
            .label("previous"),
        )
        .where(events.c.kind == "enter", events.c.call_sid.in_(in_period))
        .subquery()
    )
    query = (
        select(steps.c.previous, steps.c.node, func.count())
        .where(steps.c.previous.is_not(None))
        .group_by(steps.c.previous, steps.c.node)
    )
    return {(a, b): int(n) for a, b, n in connection.execute(query)}


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
