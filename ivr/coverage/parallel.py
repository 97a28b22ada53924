"""One walk on every core: worker processes take waits from a shared queue and a shared ledger.

Why this shape. A parked call -- a simulated call paused inside a ``<Gather>``, a generator --
cannot be sent to another process, but a forked process inherits it. So the coordinator walks
alone until :data:`SEEDS_PER_JOB` waits per worker are queued, then forks the workers: each
inherits every parked call, takes the queued waits one at a time from the coordinator (the shared
queue, so a worker that finishes early takes more), and walks breadth-first from each what it
finds itself (it holds those calls). Every wait a worker reaches is registered with the
coordinator's :class:`~ivr.coverage.explorer.Ledger` before it is queued, so no wait is explored by
two processes -- across moments, attempts and trail variants alike, as in one process. A worker
that has nothing left asks the coordinator, which asks the busiest worker to give away half of
its queue: the idle one replays each gift's input sequence once to park a call there.

At the end the coordinator merges what the workers found (coverage, findings with their shortest
reproduction, the graph of waits) and looks for loops with no exit over the whole graph.
Where processes cannot be forked, or with one job, the walk stays in one process.
"""

from __future__ import annotations

import logging
import multiprocessing
import traceback
from collections import deque
from dataclasses import replace
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from ivr.coverage.report import Finding, Report, Stats
from ivr.coverage.sameness import has_attempts

if TYPE_CHECKING:
    from ivr.coverage.explorer import Answered, Explorer, Family, WaitAddress, WaitingPoint

#: Waits queued per worker before the coordinator forks them: enough that the first takes do not
#: all lead into the same part of the tree.
SEEDS_PER_JOB = 4


def can_fork() -> bool:
    """Whether worker processes can inherit the parked calls (the fork start method exists)."""
    return "fork" in multiprocessing.get_all_start_methods()


def walk_in_parallel(explorer: Explorer, jobs: int) -> Report:
    """Walk ``explorer``'s tree with ``jobs`` worker processes sharing one queue; see the module docstring."""
    root = logging.getLogger()
    root.addHandler(explorer._tap)
    try:
        explorer.start()
        if explorer.walk(until=SEEDS_PER_JOB * jobs):
            _fork_and_serve(explorer, jobs)
    finally:
        root.removeHandler(explorer._tap)
    return explorer.finish()


def _fork_and_serve(explorer: Explorer, jobs: int) -> None:
    seeds: deque[Any] = deque(explorer.queue)  # keys of waits every worker holds a parked call for
    explorer.queue.clear()
    share = None if explorer.max_calls is None else max(1, -(-(explorer.max_calls - explorer.stats.calls) // jobs))
    context = multiprocessing.get_context("fork")
    workers: dict[Connection, Any] = {}
    for _ in range(jobs):
        mine, theirs = context.Pipe()
        process = context.Process(target=_work, args=(explorer, theirs, share), daemon=True)
        process.start()
        theirs.close()
        workers[mine] = process
    waiting: list[Connection] = []  # idle workers waiting for a wait to explore
    asked: set[Connection] = set()  # busy workers asked to give part of their queue away
    sizes: dict[Connection, int] = dict.fromkeys(workers, 0)  # each worker's queue, as last reported
    spent: dict[Connection, int] = {}  # a worker that had nothing to give: its queue then (asked again once longer)
    results: list[dict[str, Any]] = []
    running = set(workers)
    try:
        while running:
            for conn in wait(list(running)):
                assert isinstance(conn, Connection)
                try:
                    kind, body = conn.recv()
                except EOFError:
                    raise RuntimeError(
                        f"walking the paths failed: a worker process died (exit code {workers[conn].exitcode})"
                    ) from None
                if kind == "register":
                    sizes[conn], (address, moment, moments, family) = body
                    taken, _key, variant = explorer.ledger.register(address, moment, moments, family)
                    keys = {name: explorer.ledger.seen[address][name] for name in moments}
                    conn.send(("registered", (taken, keys, variant)))
                elif kind == "queued":
                    sizes[conn] = body
                elif kind == "gift":
                    asked.discard(conn)
                    seeds.extend(body)
                    if not body:
                        spent[conn] = sizes[conn]
                elif kind == "next":
                    asked.discard(conn)  # its queue is empty: whatever it was asked for comes as an empty gift
                    waiting.append(conn)
                elif kind == "done":
                    results.append(body)
                    running.discard(conn)
                else:
                    raise RuntimeError(f"walking the paths failed in a worker process:\n{body}")
            while waiting and seeds:
                waiting.pop(0).send(("seed", seeds.popleft()))
            busy = [c for c in running if c not in waiting and sizes[c] > max(1, spent.get(c, 0)) and c not in asked]
            if waiting and busy and not asked:
                donor = max(busy, key=lambda c: sizes[c])
                donor.send(("give", None))
                asked.add(donor)
            if waiting and not asked and len(waiting) == len(running):
                for conn in waiting:  # nothing queued anywhere and nobody walking: the walk is over
                    conn.send(("seed", None))
                waiting.clear()
    finally:
        for process in workers.values():
            process.join(timeout=5)
    for result in results:
        _merge(explorer, result)


class _Coordinator:
    """A worker's line to the coordinator: the shared ledger, the shared queue, and gift requests.

    A wait the worker reaches is asked about without waiting for the answer: the worker goes on
    with its other moves and waits, and takes the answers in the order it asked (one pipe, first in
    first out) before it explores the next wait -- so it does what it would have done had each
    answer come at once, without sitting idle while the coordinator gets a turn on a busy machine.
    Until then the wait is named by a stand-in (:func:`~ivr.coverage.explorer.pending_key`), which
    the worker replaces before it reports (:meth:`~ivr.coverage.explorer.Explorer.settle`).
    """

    def __init__(self, conn: Connection, queue: deque[Any]) -> None:
        self.conn = conn
        self.queue = queue  # the worker's own: its length travels with every question
        self.give = False  # the coordinator asked for part of the queue
        self.asked: deque[Answered] = deque()  # questions sent, not yet answered: who takes each answer

    def _take(self, kind: str, body: Any) -> bool:
        """Act on one message; False for a reply to something else (the next seed)."""
        if kind == "give":
            self.give = True
        elif kind == "registered":
            self.asked.popleft()(*body)
        else:
            return False
        return True

    def ask(
        self, address: WaitAddress, moment: str, moments: tuple[str, ...], family: Family, answered: Answered
    ) -> None:
        self.conn.send(("register", (len(self.queue), (address, moment, moments, family))))
        self.asked.append(answered)

    def settle(self, block: bool) -> None:
        """Take the answers that have come (``block``: every answer still owed), and any gift request."""
        while self.asked if block else self.conn.poll():
            self._take(*self.conn.recv())

    def next(self) -> Any:
        self.settle(block=True)
        self.conn.send(("next", None))
        while True:
            kind, body = self.conn.recv()
            if not self._take(kind, body):
                return body


def _work(explorer: Explorer, conn: Connection, calls: int | None) -> None:
    """A worker: walk what it finds, then take the next shared wait, until the coordinator says done."""
    try:
        coordinator = _Coordinator(conn, explorer.queue)
        explorer.ledger = coordinator  # type: ignore[assignment]
        explorer.deferred = True
        inherited = set(explorer.points)
        covered = {k for k, item in explorer.items.items() if item.covered}
        explorer.edges, explorer.findings = {}, {}
        explorer.stats = Stats(strategy=explorer.stats.strategy)
        explorer.max_calls = calls
        explorer.variants.clear()
        explorer.queue.clear()
        while True:
            while not explorer._bounded():
                variants = explorer.variants if explorer.all_trails else None  # the variants this worker found
                coordinator.settle(block=not (explorer.queue or variants))
                if coordinator.give:
                    coordinator.give = False
                    conn.send(("gift", _give(explorer)))
                if explorer.queue:
                    explorer._explore(explorer.points[explorer.queue.popleft()])
                elif variants:
                    explorer._explore(explorer.points[variants.popleft()])
                else:
                    break
            coordinator.settle(block=True)
            if coordinator.give:
                coordinator.give = False
                conn.send(("gift", []))
            conn.send(("queued", 0))
            seed = coordinator.next()
            if seed is None or explorer._bounded():
                break
            point = _adopt(explorer, seed)
            if not point.explored:
                explorer._explore(point)
        coordinator.settle(block=True)
        explorer.settle()
        conn.send(
            (
                "done",
                {
                    "points": [_portable(p) for k, p in explorer.points.items() if k not in inherited or p.explored],
                    "family_of": {k: f for k, f in explorer.family_of.items() if k not in inherited},
                    "edges": explorer.edges,
                    "findings": list(explorer.findings.values()),
                    "covered": [k for k, item in explorer.items.items() if item.covered and k not in covered],
                    "stats": explorer.stats,
                    "variants": list(explorer.variants),
                },
            )
        )
    except BaseException:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def _give(explorer: Explorer) -> list[Any]:
    """Up to half of this worker's queue, as waits another process can re-park a call at.

    Only first attempts, the oldest first. A wait with attempt counters stays: here, where its
    first attempt was walked, it is tried with that attempt's misses only (two or three requests,
    :mod:`ivr.coverage.sameness`); in another process it would cost a replay of the way there and
    every key. A first attempt given away takes its later attempts along (they are found from it).
    """
    queue = explorer.queue
    firsts = [k for k in queue if not has_attempts(explorer.points[k].place)][: len(queue) // 2]
    chosen = set(firsts)
    kept = [k for k in queue if k not in chosen]
    queue.clear()
    queue.extend(kept)
    return [(_portable(explorer.points[k]), explorer.family_of.get(k)) for k in firsts]


def _adopt(explorer: Explorer, seed: Any) -> WaitingPoint:
    """The point a seed names: one this worker inherited, or a gift it parks a call at by replaying."""
    if not isinstance(seed, tuple) or len(seed) != 2 or not hasattr(seed[0], "key"):
        return explorer.points[seed]
    point, family = seed
    known = explorer.points.get(point.key)
    if known is not None and (known.explored or known.call is not None):
        return known
    explorer.points[point.key] = point
    for moment in point.moments:  # so that its later attempts find it here
        explorer._at[(point.key[:3], moment.name)] = point.key
    if family is not None:
        explorer.family_of[point.key] = family
    explorer._park(point)
    return point


def _portable(point: WaitingPoint) -> WaitingPoint:
    """A copy of ``point`` that can cross a pipe: without its parked call and per-move answers."""
    return replace(point, call=None, outcomes={})


def _merge(explorer: Explorer, result: dict[str, Any]) -> None:
    """Add one worker's findings to the coordinator's walk."""
    for point in result["points"]:
        known = explorer.points.get(point.key)
        if known is None:
            explorer.points[point.key] = point
        elif point.explored:
            known.explored = True
    explorer.family_of.update(result["family_of"])
    for key, edges in result["edges"].items():
        explorer.edges.setdefault(key, []).extend(edges)
    for finding in result["findings"]:
        _merge_finding(explorer.findings, finding)
    for key in result["covered"]:
        explorer.items[key].covered = True
    stats = result["stats"]
    for name in ("calls", "placed", "forked", "requests"):
        setattr(explorer.stats, name, getattr(explorer.stats, name) + getattr(stats, name))
    explorer.stats.bound = explorer.stats.bound or stats.bound
    explorer.variants.extend(result["variants"])


def _merge_finding(findings: dict[tuple[str, ...], Finding], finding: Finding) -> None:
    """Count a finding once more; keep the shortest reproduction (breadth-first order in one process)."""
    known = findings.get(finding.key)
    if known is None:
        findings[finding.key] = finding
        return
    count = known.count + finding.count
    if (len(finding.script.split()), finding.script) < (len(known.script.split()), known.script):
        findings[finding.key] = finding
    findings[finding.key].count = count
