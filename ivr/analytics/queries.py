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
    last_nodes, edges = _walks(connection, in_period)
    abandoned_at = Counter(last_nodes[sid] for sid in abandoned if sid in last_nodes)
    node_counts: defaultdict[tuple[str, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
    inputs: defaultdict[str, Counter[str]] = defaultdict(Counter)
    transfers: defaultdict[str, Counter[str]] = defaultdict(Counter)
    attempts: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    for row in _counts(connection, in_period):
        if row.kind == "input":
            inputs[row.node]["all"] += row.total
            inputs[row.node][row.input_mode or "dtmf"] += row.total
            inputs[row.node]["no_match"] += row.total if row.unmatched else 0
        elif row.kind in ("dial", "transfer", "closed"):
            hotline = row.hotline or "unknown"
            if row.kind == "dial":
                transfers[hotline][row.status or "unknown"] += row.total
            else:
                (attempts if row.kind == "transfer" else closed)[hotline] += row.total
        else:
            total, distinct = node_counts[row.node, row.kind]
            # distinct calls add up across rows of one node only when the other columns are empty,
            # which they are for entries, silences and fallbacks
            node_counts[row.node, row.kind] = (total + row.total, distinct + row.distinct_calls)
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
        transfers={hotline: dict(outcomes) for hotline, outcomes in transfers.items()},
        transfer_attempts=dict(attempts),
        after_hours_attempts=sum(closed.values()),
        after_hours_by_hotline=dict(closed),
        messages_left=int(left),
        median_seconds_to_topic=round(statistics.median(to_topic), 1) if to_topic else None,
        edges=edges,
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


def _walks(connection: Connection, in_period) -> tuple[dict[str, str], dict[tuple[str, str], int]]:
    """One pass over the entries of every call: each call's last node entered (where a caller who
    gave up was when they did), and how often callers went from each node to each next one."""
    order = (events.c.received_ns, events.c.seq)
    steps = (
        select(
            events.c.call_sid,
            events.c.node,
            func.lag(events.c.node).over(partition_by=events.c.call_sid, order_by=order).label("previous"),
            func.lead(events.c.node).over(partition_by=events.c.call_sid, order_by=order).label("following"),
        )
        .where(events.c.kind == "enter", events.c.call_sid.in_(in_period))
        .subquery()
    )
    last: dict[str, str] = {}
    edges: Counter[tuple[str, str]] = Counter()
    for sid, node, previous, following in connection.execute(select(steps)):
        if following is None:
            last[sid] = node
        if previous is not None:
            edges[previous, node] += 1
    return last, dict(edges)


def _counts(connection: Connection, in_period) -> list:
    """One pass over the period's other events: counts by kind, node, input mode, match, hotline and
    dial status (entries, silences, fallbacks, inputs, transfers, dials, closed lines)."""
    unmatched = case((and_(events.c.kind == "input", events.c.choice.is_(None)), literal(1)), else_=literal(0))
    query = (
        select(
            events.c.kind,
            events.c.node,
            events.c.input_mode,
            unmatched.label("unmatched"),
            events.c.hotline,
            events.c.status,
            func.count().label("total"),
            func.count(events.c.call_sid.distinct()).label("distinct_calls"),
        )
        .where(
            events.c.kind.in_(("enter", "no_input", "fallback", "input", "dial", "transfer", "closed")),
            events.c.call_sid.in_(in_period),
        )
        .group_by(events.c.kind, events.c.node, events.c.input_mode, "unmatched", events.c.hotline, events.c.status)
    )
    return list(connection.execute(query))


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
