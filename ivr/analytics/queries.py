"""The store read for a report: one row per call (its digest), both periods in one read.

Each call's digest (``ivr.store.digest``) holds its flags, the nodes it entered and its tallies, so
the report reads digests instead of every event: calls that went the same way are counted together
by the database, and the previous period comes from the same read as the current one. Everything
that depends on the menu (which nodes are topics, which is the main menu) is decided here, from
the tree, so an edited menu re-reads old calls correctly.
Measured by ``benchmarks/report_scale.py``: 100,000 calls in well under 2 s on SQLite.
"""

from __future__ import annotations

import itertools
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection, and_, case, func, select

from ivr.analytics.figures import FUNNEL, HELPED, OUTCOMES, Figures, MenuFigures
from ivr.store import digest
from ivr.store.digest import Journey
from ivr.store.schema import calls, messages


def periods(
    connection: Connection,
    bounds: tuple[datetime, datetime, datetime],
    *,
    topics: Collection[str],
    menus: dict[str, tuple[str, str]],
    main_menu: str,
) -> tuple[Figures, Figures]:
    """The figures of [a, b) and of [b, c) for ``bounds`` = (a, b, c), from one read of the store.
    ``topics``: the guidance nodes; ``menus``: node → (title, kind) for every node that listens for a
    choice (language, menus and guidance); ``main_menu``: the node a caller reaches once the language
    is chosen (the funnel's second stage)."""
    start, middle, end = bounds
    if digest.missing(connection, start, end):
        digest.freshen(connection, start, end)
    tallies = (_Tally(), _Tally())
    topic_set = frozenset(topics)
    for journey in digest.journeys(connection, bounds):
        tallies[journey.later].add(journey, topic_set, main_menu)
    left = _messages_left(connection, bounds)
    return (
        tallies[0].figures(start, middle, menus, topic_set, left[0]),
        tallies[1].figures(middle, end, menus, topic_set, left[1]),
    )


class _Tally:
    """One period's counts, added up journey by journey (each weighted by its number of calls)."""

    def __init__(self) -> None:
        self.calls = 0
        self.outcomes = Counter({name: 0 for name in OUTCOMES})
        self.languages: Counter[str] = Counter()
        self.funnel = Counter({stage: 0 for stage in FUNNEL})
        self.to_topic: list[float] = []
        self.entries: Counter[str] = Counter()
        self.callers: Counter[str] = Counter()
        self.abandoned_at: Counter[str] = Counter()
        self.edges: Counter[tuple[str, str]] = Counter()
        self.silences: Counter[str] = Counter()
        self.fallbacks: Counter[str] = Counter()
        self.inputs: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.transfers: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.attempts: Counter[str] = Counter()
        self.closed: Counter[str] = Counter()

    def add(self, journey: Journey, topics: frozenset[str], main_menu: str) -> None:
        n, path = journey.calls, journey.path
        first_topic = next((i for i, node in enumerate(path) if node in topics), None)
        heard = first_topic is not None
        if heard:
            self.to_topic.extend(json.loads(seconds)[first_topic] for seconds in journey.timings)
        outcome = _outcome(journey, heard)
        self.calls += n
        self.outcomes[outcome] += n
        self.funnel["calls"] += n
        self.funnel["main_menu"] += n * bool(main_menu in path or heard or journey.reached_hotline)
        self.funnel["topic_or_hotline"] += n * bool(heard or journey.reached_hotline)
        self.funnel["helped"] += n * (outcome in HELPED)
        self.languages[journey.language or "unknown"] += n
        for node, times in Counter(path).items():
            self.entries[node] += n * times
            self.callers[node] += n
        for edge, times in Counter(itertools.pairwise(path)).items():
            self.edges[edge] += n * times
        if outcome == "abandoned" and path:
            self.abandoned_at[path[-1]] += n
        for kind, node, mode, unmatched, hotline, status, count in journey.tallies:
            count *= n
            if kind == "input":
                self.inputs[node]["all"] += count
                self.inputs[node][mode or "dtmf"] += count
                self.inputs[node]["no_match"] += count if unmatched else 0
            elif kind == "no_input":
                self.silences[node] += count
            elif kind == "fallback":
                self.fallbacks[node] += count
            elif kind == "dial":
                self.transfers[hotline or "unknown"][status or "unknown"] += count
            elif kind == "transfer":
                self.attempts[hotline or "unknown"] += count
            elif kind == "closed":
                self.closed[hotline or "unknown"] += count

    def figures(
        self, since: datetime, until: datetime, menus: dict[str, tuple[str, str]], topics: frozenset[str], left: int
    ) -> Figures:
        menu_figures = tuple(
            MenuFigures(
                node=node,
                title=title,
                kind=kind,
                entries=self.entries[node],
                callers=self.callers[node],
                inputs=self.inputs[node]["all"],
                no_inputs=self.silences[node],
                no_matches=self.inputs[node]["no_match"],
                fallbacks=self.fallbacks[node],
                abandoned_here=self.abandoned_at[node],
            )
            for node, (title, kind) in menus.items()
        )
        topic_calls = {t: self.callers[t] for t in topics if self.callers[t]}
        return Figures(
            since=since,
            until=until,
            calls=self.calls,
            languages=dict(self.languages.most_common()),
            keypad_inputs=sum(v["dtmf"] for v in self.inputs.values()),
            speech_inputs=sum(v["speech"] for v in self.inputs.values()),
            outcomes=dict(self.outcomes),
            topics=dict(sorted(topic_calls.items(), key=lambda item: (-item[1], item[0]))),
            menus=menu_figures,
            transfers={hotline: dict(by_status) for hotline, by_status in self.transfers.items()},
            transfer_attempts=dict(self.attempts),
            after_hours_attempts=sum(self.closed.values()),
            after_hours_by_hotline=dict(self.closed),
            messages_left=left,
            median_seconds_to_topic=round(statistics.median(self.to_topic), 1) if self.to_topic else None,
            edges=dict(self.edges),
            funnel=dict(self.funnel),
        )


def _outcome(row: Journey, heard_guidance: bool) -> str:
    if row.has_message:
        return "message"
    if row.has_completed:
        return "transferred"
    if row.has_transfer:
        return "transfer_failed"
    if heard_guidance:
        return "contained"
    return "abandoned"


def _messages_left(connection: Connection, bounds: tuple[datetime, datetime, datetime]) -> tuple[int, int]:
    """Messages kept for calls that started in each of the two periods."""
    start, middle, end = bounds
    later = case((calls.c.started_at >= middle, 1), else_=0).label("later")
    query = (
        select(later, func.count())
        .select_from(messages.join(calls, calls.c.call_sid == messages.c.call_sid))
        .where(and_(calls.c.started_at >= start, calls.c.started_at < end))
        .group_by(later)  # by the label: PostgreSQL takes a repeated expression with new parameters as another
    )
    counts = {bool(later): int(n) for later, n in connection.execute(query)}
    return counts.get(False, 0), counts.get(True, 0)
