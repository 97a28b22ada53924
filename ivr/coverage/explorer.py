"""Path coverage: walk every reachable path of a menu tree through the simulator, and account for it.

``ivr paths`` answers "can a caller get everywhere, and does every way through end well?" by
*calling the line*: the explorer only presses keys, speaks, stays silent, leaves messages and
answers dials through :mod:`ivr.simulator`, which speaks nothing but Twilio's protocol to the app.
It never calls ``ivr.call.flow``, and it does not choose the app: ``ivr paths`` hands it an
:data:`AppFactory` (this project's app, from ``ivr.commands.paths``; a test's broken one). The tree
(``ivr.menu.loader``) is read for the denominators only -- which nodes, options and branches exist,
:func:`ivr.coverage.report.coverage_items` -- and the app's URL scheme
(``/voice/node/<node>[/input|/dialed|/recorded]?lang=&ni=&nm=&trail=&mode=``) maps what the
simulator fetched back to those nodes (:func:`ivr.coverage.places.place_of`).

Why breadth-first over *waiting points*: the app keeps a call's whole state in its webhook URLs,
so a call waiting at a ``<Gather>``/``<Record>``/``<Dial>`` is fully identified by (what it waits
for, the action URL, the method, the app's clock). Reaching one again by another path needs no
second look, and breadth-first order gives every waiting point its shortest input sequence, which
doubles as the ``ivr simulate --script`` that reproduces anything found there.

No answer is asked for twice where it cannot differ (:mod:`ivr.coverage.sameness` gives the
reasoning): a waiting point stands for every clock moment at which nothing on the way there read
the clock (it is explored at the first, and only an answer that touched a transfer with hours is
asked again at the others), and a wait with attempt counters (``ni=``/``nm=``) is tried with the
misses of its first attempt only, and of those, where one counter is up and the other zero, only the
misses of the raised one.

To try the answers at a waiting point the explorer either forks the parked call
(:meth:`ivr.simulator.Call.fork`: one request per answer) or replays the input sequence from a
fresh call (one request per step of the way there); forking is the default because it is several
times cheaper (measured in docs/paths.md) and gives identical transcripts.

Hours: a hotline's after-hours branch needs a clock at which it is closed, its transfer a clock at
which it is open. :func:`ivr.coverage.moments.choose_moments` scans one week of the tree's hours for
instants where each hotline with hours is open in one and closed in another; a hotline open around
the clock simply has no after-hours branch (reported as n/a).

This module is the walk itself; :mod:`ivr.coverage.moments` holds the clock moments,
:mod:`ivr.coverage.places` the URL scheme and the moves, :mod:`ivr.coverage.report` the coverage
items, the findings and the report.
"""

from __future__ import annotations

import gc
import logging
import re
import time as timer
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from ivr.coverage import parallel
from ivr.coverage.moments import Moment, choose_moments
from ivr.coverage.places import (
    Move,
    Place,
    WaitAddress,
    WaitKey,
    _fingerprint,
    _local_keys,
    _option_target,
    _wait_address,
    _without_trail,
    moves_at,
    place_of,
)
from ivr.coverage.report import Finding, Report, Stats, _ordered, coverage_items
from ivr.coverage.sameness import (
    has_attempts,
    is_miss,
    miss_counter,
    raised_counter,
    reads_clock,
    reads_other_counter,
    same_wait,
    without_attempts,
)
from ivr.menu.model import GoodbyeNode, LanguageNode, MenuNode, Tree
from ivr.simulator import Call, Simulator
from ivr.simulator.caller import Ended, Waiting

BASE_URL = "http://localhost"
Strategy = Literal["fork", "replay"]
AppFactory = Callable[[Moment], Any]  # a moment -> a WSGI app whose clock reads that moment

#: Twilio codes for a webhook fetch that failed (connection/15 s, 4xx/5xx, 64 kB, Content-Type, generic).
HTTP_CODES = frozenset(["11200", "11205", "11217", "11750", "12300"])


# --- what the walk keeps ------------------------------------------------------------------------


Outcome = tuple["WaitKey | End", str]  # where a move led, and what the caller heard on the way (fingerprint)


@dataclass
class WaitingPoint:
    """A distinct place where the call waits for the caller, and the shortest way to it.

    It stands for every moment in ``moments`` (the walk found no clock on the way there:
    :mod:`ivr.coverage.sameness`) and is explored at the first, ``moment``.
    """

    key: WaitKey
    kind: str
    url: str
    moment: Moment
    place: Place | None
    path: tuple[Move, ...]
    state: Waiting
    call: Call | None = None  # parked here for forking until explored
    explored: bool = False
    moments: tuple[Moment, ...] = ()
    call_moment: str = ""  # the moment whose app the parked call talks to
    outcomes: dict[tuple[Move, str], Outcome] = field(default_factory=dict)  # (move, moment name) -> answer


@dataclass(frozen=True)
class End:
    """How a branch of a call ended: Twilio's reason, and whether the caller heard anything last."""

    reason: str
    heard: str
    spoke: bool


# --- the walk -----------------------------------------------------------------------------------


Family = tuple[str, ...]  # a wait but for its way back (trail=): kind, method, URL without trail, what was heard


class Ledger:
    """Which waits the walk has taken on, per moment, and the first wait of each trail family.

    In one process the explorer keeps its own; in a parallel walk (:mod:`ivr.coverage.parallel`) every
    worker asks the coordinator's, so that no wait is taken on twice by two processes.
    """

    def __init__(self) -> None:
        self.seen: dict[WaitAddress, dict[str, WaitKey]] = {}  # where a call waits -> moment -> its point
        self.families: dict[Family, dict[str, WaitKey]] = {}  # family -> moment -> its first wait

    def register(
        self, address: WaitAddress, moment: str, moments: tuple[str, ...], family: Family
    ) -> tuple[tuple[str, ...], WaitKey, bool]:
        """Take on the wait at ``address`` for whichever of ``moments`` nobody has yet.

        Returns those moments (the new waiting point's, keyed ``(*address, "+".join(them))``), the
        key of the point that stands for ``moment``, and whether the new point is a trail variant
        (its family already has a wait at each of its moments: left alone unless --all-trails)."""
        seen = self.seen.setdefault(address, {})
        fresh = tuple(m for m in moments if m not in seen)
        key = (*address, "+".join(fresh))
        for name in fresh:
            seen[name] = key
        members = self.families.setdefault(family, {})
        variant = all(name in members for name in fresh)
        if fresh and not variant:
            for name in fresh:
                members.setdefault(name, key)
        return fresh, seen[moment], variant

    def ask(
        self, address: WaitAddress, moment: str, moments: tuple[str, ...], family: Family, answered: Answered
    ) -> WaitKey | None:
        """:meth:`register`, its answer handed to ``answered`` (what was taken on, the point standing
        for each of ``moments``, whether a trail variant); returns the point standing for ``moment``.

        Here the answer comes at once. A parallel worker's ledger answers later (None now), so that
        the worker goes on walking while the coordinator decides (:mod:`ivr.coverage.parallel`)."""
        fresh, key, variant = self.register(address, moment, moments, family)
        answered(fresh, {name: self.seen[address][name] for name in moments}, variant)
        return key


#: What a ledger says about a wait: the moments taken on now, the point for each moment asked, a trail variant?
Answered = Callable[[tuple[str, ...], dict[str, "WaitKey"], bool], None]


def pending_key(address: WaitAddress, moment: str) -> WaitKey:
    """Stands for the point at ``address`` and ``moment`` until the ledger has answered (its URL is
    the address's, all that coverage and the tree's checks read of it)."""
    return (*address, f"?{moment}")


class _LogTap(logging.Handler):
    """Collects what the app logs at WARNING or above while one move is being made."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Explorer:
    """Breadth-first walk over distinct waiting points; see the module docstring."""

    def __init__(
        self,
        tree: Tree,
        app_for: AppFactory,
        *,
        moments: list[Moment] | None = None,
        strategy: Strategy = "fork",
        max_calls: int | None = None,
        budget_seconds: float | None = None,
        all_trails: bool = False,
    ) -> None:
        self.tree = tree
        self.moments = moments or choose_moments(tree)
        self.strategy = strategy
        self.max_calls = max_calls
        self.budget_seconds = budget_seconds
        self.simulators = {m.name: Simulator(app_for(m), base_url=BASE_URL, strict=False, seed=1) for m in self.moments}
        self.items, self.hotline_notes = coverage_items(tree, self.moments)
        self.points: dict[WaitKey, WaitingPoint] = {}
        self.edges: dict[WaitKey, list[tuple[Move, WaitKey | End]]] = {}
        self.all_trails = all_trails
        self.queue: deque[WaitKey] = deque()  # waits unlike any seen so far (ignoring the way back)
        self.variants: deque[WaitKey] = deque()  # waits like a queued one but for the way back (trail=)
        self.ledger = Ledger()
        self.family_of: dict[WaitKey, Family] = {}
        self.findings: dict[tuple[str, ...], Finding] = {}
        self.stats = Stats(strategy=strategy)
        self._tap = _LogTap()
        self._places: dict[str, Place | None] = {}
        self._at: dict[tuple[WaitAddress, str], WaitKey] = {}  # (address, moment) -> the point, as far as known here
        self.deferred = False  # the ledger may answer later (a parallel worker's): stand-ins are kept
        self._answers: dict[WaitKey, WaitKey] = {}  # a stand-in (pending_key) -> the point the ledger named
        # Counters apart (ivr.coverage.sameness), per family of waits (the address of their first attempt):
        self._apart: dict[WaitAddress, list[tuple[WaitKey, Move]]] = {}  # the moves the rule left out
        self._irregular: set[WaitAddress] = set()  # a wait there took input unlike its first attempt: no rule
        self._retry: list[tuple[WaitKey, Move]] = []  # left out where the rule turned out not to hold
        self._started = 0.0

    # -- driving ---------------------------------------------------------------------------------

    def run(self) -> Report:
        """Walk every path (or until a bound) and report."""
        root = logging.getLogger()
        root.addHandler(self._tap)
        try:
            self.start()
            self.walk()
        finally:
            root.removeHandler(self._tap)
        return self.finish()

    def start(self) -> None:
        """Place the first call (one per moment where the very first answer reads the clock)."""
        self._started = timer.perf_counter()
        first, *others = self.moments
        call = self._place(first)
        self.stats.requests += _requests(call, 0)
        if self._observe(None, None, first, tuple(self.moments), call, 0, ())[1]:
            for moment in others:  # the first answer already read the clock: each moment has its own walk
                call = self._place(moment)
                self.stats.requests += _requests(call, 0)
                self._observe(None, None, moment, (moment,), call, 0, ())

    def walk(self, until: int | None = None) -> bool:
        """Explore what is queued, breadth-first; with ``until``, stop (and return True) as soon as that
        many waits are queued: the seeds of a parallel walk (:mod:`ivr.coverage.parallel`)."""
        for queue in (self.queue, self.variants) if self.all_trails else (self.queue,):
            while queue and not self._bounded():
                if until is not None and len(self.queue) >= until:
                    return True
                self._explore(self.points[queue.popleft()])
        return False

    def finish(self) -> Report:
        """The walk is over: look for loops with no exit, and report."""
        self._find_loops()
        self.stats.waiting_points = len(self.points)
        self.stats.explored = sum(1 for p in self.points.values() if p.explored)
        self.stats.variants = 0 if self.all_trails else len(self.variants)
        self.stats.seconds = timer.perf_counter() - self._started
        return Report(
            self.tree.file,
            tuple(self.tree.languages),
            self.moments,
            list(self.items.values()),
            _ordered(self.findings.values()),
            self.stats,
            self.hotline_notes,
        )

    def _park(self, point: WaitingPoint) -> None:
        """Park a call at ``point`` by replaying its input sequence (a wait handed over by another process)."""
        if self.strategy != "fork":
            return  # every move replays the way there anyway
        call = self._place(point.moment)
        for step in point.path:
            _act(call, step)
        self.stats.requests += _requests(call, 0)
        point.call, point.call_moment = call, point.moment.name

    def _bounded(self) -> bool:
        if self.max_calls is not None and self.stats.calls >= self.max_calls:
            self.stats.bound = f"--max-calls {self.max_calls}"
        elif self.budget_seconds is not None and timer.perf_counter() - self._started >= self.budget_seconds:
            self.stats.bound = f"time budget of {self.budget_seconds:g} s"
        return bool(self.stats.bound)

    def _place(self, moment: Moment) -> Call:
        self.stats.calls += 1
        self.stats.placed += 1
        return self.simulators[moment.name].call()

    def _explore(self, point: WaitingPoint) -> None:
        for move in self._moves(point):
            if not self._make(point, move):
                return
        point.explored = True
        point.call = None  # nothing will fork from here again: let the parked call go
        while self._retry:  # moves counters apart left out in a family where it turned out not to hold
            key, move = self._retry.pop(0)
            self.edges[key] = [(m, result) for m, result in self.edges.get(key, []) if m != move]  # its stand-ins
            if not self._make(self.points[key], move):  # on a replay: that point's call is gone
                return

    def _make(self, point: WaitingPoint, move: Move) -> bool:
        """Make ``move`` at ``point`` (at each of its moments where the answer read the clock); False
        when a bound stops the walk first."""
        if self._bounded():
            return False
        result, touched, answer = self._try(point, move, point.moment, point.moments)
        for moment in point.moments:
            if moment is not point.moment and touched:  # the answer read the clock: ask at every moment
                if self._bounded():
                    return False
                result, _, answer = self._try(point, move, moment, (moment,))
            point.outcomes[(move, moment.name)] = (result, answer)
        return True

    def _try(
        self, point: WaitingPoint, move: Move, moment: Moment, moments: tuple[Moment, ...]
    ) -> tuple[WaitKey | End, bool, str]:
        """Make ``move`` at ``point`` at ``moment`` on a fork (or a replay) and learn from the branch."""
        self._tap.records.clear()
        if self.strategy == "fork" and point.call is not None:
            branch = point.call.fork()
            if point.call_moment != moment.name:
                # The same wait at another moment (nothing on the way there read the clock): the fork goes
                # on against the app whose clock reads that moment, as a real call would after a while.
                branch.engine.transport = self.simulators[moment.name].transport()
            self.stats.calls += 1
            self.stats.forked += 1
            inherited = len(branch.transcript.events)  # made by the parked call, already counted
        else:
            branch = self._place(moment)
            for step in point.path:
                _act(branch, step)
            inherited = 0
        before, problems = len(branch.transcript.events), len(branch.problems)
        _act(branch, move)
        self.stats.requests += _requests(branch, inherited)
        return self._observe(point, move, moment, moments, branch, problems, (*point.path, move), before)

    def _moves(self, point: WaitingPoint) -> list[Move]:
        """What to try at ``point``: everything, except at a wait with attempt counters whose first
        attempt was explored -- there only its misses, one per distinct answer, and where one counter
        is up and the other zero only the misses of the raised one (the reasoning is in
        :mod:`ivr.coverage.sameness`); each move left out keeps its first-attempt outcome for the loop check."""
        moves = moves_at(point.state)
        if not has_attempts(point.place):
            return moves
        address = (point.key[0], point.key[1], without_attempts(point.url))
        base = self.points.get(self._at.get((address, point.moment.name), ("",) * 4))
        if base is None or not base.explored or base.place is None or has_attempts(base.place):
            return moves
        if not same_wait(base.state, point.state):
            # The wait itself is not the same (another numDigits, timeout, hints...): try everything, and
            # the app reads a counter beyond the core's rules here, so no counters apart in this family.
            self._irregular.add(address)
            self._retry += self._apart.pop(address, [])
            return moves
        raised = None if address in self._irregular else raised_counter(point.place)
        chosen: list[Move] = []
        answers: set[tuple[Outcome | None, ...]] = set()
        for move in moves:
            outcomes = tuple(base.outcomes.get((move, m.name)) for m in point.moments)
            if None in outcomes:  # not tried there (a bound): try it here
                chosen.append(move)
            elif not any(self._missed(base, result) for result, _ in outcomes if result):
                self.edges.setdefault(point.key, []).extend((move, result) for result, _ in outcomes if result)
            elif outcomes not in answers:  # else a move with the same answer there stands for this one
                answers.add(outcomes)
                if raised and self._misses_of_the_other(base, point, outcomes, raised):
                    self.edges.setdefault(point.key, []).extend((move, result) for result, _ in outcomes if result)
                    self._apart.setdefault(address, []).append((point.key, move))
                else:
                    chosen.append(move)
        return chosen

    def _missed(self, base: WaitingPoint, result: WaitKey | End) -> bool:
        return not isinstance(result, End) and is_miss(base.place, self._wait_place(result))

    def _misses_of_the_other(
        self, base: WaitingPoint, point: WaitingPoint, outcomes: tuple[Outcome | None, ...], raised: str
    ) -> bool:
        """Whether a move was, at every moment, a miss of the counter ``point`` has not raised, and the
        answer there provably does not read the raised one (counters apart: :mod:`ivr.coverage.sameness`)."""
        counters = {miss_counter(base.place, self._wait_place(o[0])) if o else None for o in outcomes}
        if len(counters) != 1:
            return False
        (counter,) = counters
        return counter is not None and counter != raised and not reads_other_counter(self.tree, point.place, counter)

    # -- learning from one branch ----------------------------------------------------------------

    def _observe(
        self,
        source: WaitingPoint | None,
        move: Move | None,
        moment: Moment,
        moments: tuple[Moment, ...],
        call: Call,
        problems_before: int,
        path: tuple[Move, ...],
        events_before: int = 0,
    ) -> tuple[WaitKey | End, bool, str]:
        """Findings, coverage and the wait reached; returns it, whether the answer read the clock
        (:func:`ivr.coverage.sameness.reads_clock`) and what the caller heard on the way."""
        script = " ".join(m.script for m in path)
        url = source.url if source else self.simulators[moment.name].entry_url
        for problem in call.problems[problems_before:]:
            code = str(problem["code"])
            kind = "http" if code in HTTP_CODES else "simulator guard" if code.startswith("simulator:") else "twiml"
            where = f" line {problem['line']}" if problem.get("line") else ""
            self._find(
                "error", kind, f"{problem['severity']} {problem['code']}{where}: {problem['message']}",
                problem["url"], moment, script,
            )  # fmt: skip
        for record in self._tap.records:
            severity = "error" if record.levelno >= logging.ERROR else "warning"
            self._find(severity, "app-log", f"{record.name}: {record.getMessage()}", url, moment, script)
        self._tap.records.clear()
        touched = False
        for event in call.transcript.events[events_before:]:
            if event.kind == "request" and event.data.get("url"):
                place = self._place_of(event.data["url"])
                self._visit(place)
                touched = touched or reads_clock(self.tree, place)
        state = call.state
        since = call.transcript.since_last_input() if move is not None else call.transcript.events
        answer = _fingerprint(since)
        result: WaitKey | End
        if isinstance(state, Waiting):
            address = _wait_address(state, call)
            touched = touched or reads_clock(self.tree, self._place_of(address[2]))
            if touched:
                moments = (moment,)  # what follows may differ from one moment to the next
            known = self._at.get((address, moment.name))
            if known is not None and all((address, m.name) in self._at for m in moments):
                result = known  # taken on already, here (or asked about): no need to ask the ledger
            else:
                result = self._ask(address, moment, moments, (*address[:2], _without_trail(address[2]), answer),
                                   state, call, path)  # fmt: skip
        else:
            assert isinstance(state, Ended)
            heard = "\n".join(e.data["text"] for e in since if e.kind == "say" and not e.data.get("skipped"))
            spoke = any(e.kind in ("say", "play") for e in since)
            result = End(state.reason, heard, spoke)
            if call.problems[problems_before:]:
                pass  # already reported as TwiML/HTTP problems
            elif state.reason == "end of document":
                self._find(
                    "error", "dead-end", "the call falls off the end of a document: no <Hangup> after the last words",
                    url, moment, script,
                )  # fmt: skip
            elif state.reason == "<Hangup>" and not spoke:
                self._find("error", "dead-end", "the call hangs up with nothing said", url, moment, script)
            elif state.reason != "<Hangup>":
                self._find("error", "call-ended", f"the call ended: {state.reason}", url, moment, script)
        if source is not None and move is not None:
            self.edges.setdefault(source.key, []).append((move, result))
            self._account(source, move, result, moment, script)
        return result, touched, answer

    def _ask(
        self,
        address: WaitAddress,
        moment: Moment,
        moments: tuple[Moment, ...],
        family: Family,
        state: Waiting,
        call: Call,
        path: tuple[Move, ...],
    ) -> WaitKey:
        """Ask the ledger about a wait the branch ``call`` reached; take it on if nobody has."""
        names = tuple(m.name for m in moments)

        def answered(taken: tuple[str, ...], keys: dict[str, WaitKey], variant: bool) -> None:
            for name, key in keys.items():
                self._at[(address, name)] = key
                if self.deferred:
                    self._answers[pending_key(address, name)] = key
            fresh = tuple(m for m in moments if m.name in taken)
            if not fresh:
                return
            key = (*address, "+".join(taken))
            point = WaitingPoint(
                key, state.kind, key[2], fresh[0], self._place_of(key[2]), path, state,
                call if self.strategy == "fork" else None, moments=fresh, call_moment=moment.name,
            )  # fmt: skip
            self.points[key] = point
            self.family_of[key] = family
            if variant:
                self.variants.append(key)
                if not self.all_trails:
                    point.call = None  # it will not be explored: do not keep the call alive for it
            else:
                self.queue.append(key)
            self._visit(point.place)
            if point.place and point.place.mode == "closed":
                self._cover("after hours", point.place.node, point.place.lang)

        key = self.ledger.ask(address, moment.name, names, family, answered)
        if key is not None:
            return key
        for name in names:  # asked: the walk here does not ask again, and the answer will replace these
            self._at.setdefault((address, name), pending_key(address, name))
        return pending_key(address, moment.name)

    def settle(self) -> None:
        """Put the ledger's answers in place of the stand-ins the walk used while it waited for them."""
        if not self._answers:
            return
        answers = self._answers
        for edges in self.edges.values():
            edges[:] = [(move, answers.get(result, result) if isinstance(result, tuple) else result)
                        for move, result in edges]  # fmt: skip
        for point in self.points.values():
            for choice, (result, heard) in point.outcomes.items():
                if isinstance(result, tuple) and result in answers:
                    point.outcomes[choice] = (answers[result], heard)

    def _wait_place(self, result: WaitKey | End) -> Place | None:
        return self._place_of(result[2]) if isinstance(result, tuple) else None

    def _account(self, source: WaitingPoint, move: Move, result: WaitKey | End, moment: Moment, script: str) -> None:
        """Tick off the tree's options and branches this move exercised, checking it went where the tree says."""
        place = source.place
        if place is None:
            return
        node = self.tree.nodes[place.node]

        def arrived(expected: str | None, lang: str, what: str) -> bool:
            return self._arrived(expected, result, lang, moment, script, f"{what} at {node.id} ({place.lang})")

        if source.kind == "dial" and move.dial:
            expected = None if move.dial == "completed" else node.id  # completed: goodbye; else the short menu
            if arrived(expected, place.lang, f"dial outcome {move.dial}"):
                self._cover("dial outcomes", f"{node.id} {move.dial}", place.lang)
            return
        if source.kind != "gather" or place.event not in ("input", "incoming"):
            return
        if move.key is not None and move.key == source.state.details.get("finishOnKey"):
            return  # it only ends a typed sequence: with nothing typed, Twilio keeps waiting
        tree = self.tree
        default = tree.default_language
        if isinstance(node, LanguageNode):
            option = next((o for o in node.options if o.key == move.key), None)
            if option is not None:
                if arrived(node.next, option.language, f"key {move.key}"):
                    self._cover("options", f"{node.id} {option.key}", option.language)
            elif move.silent and arrived(node.next, default, "silence"):
                self._cover("no-input cap", node.id, default)  # silence means the default language at once
            elif (
                move.key
                and place.no_match == tree.defaults.max_no_match - 1
                and arrived(node.next, default, "no-match cap")
            ):
                self._cover("no-match cap", node.id, default)
            return
        local = _local_keys(tree, node, place)
        if isinstance(node, MenuNode) and not place.mode and move.key in local:
            option = next(o for o in node.options if o.key == move.key)
            if arrived(_option_target(tree, node, place, option.action, option.target), place.lang, f"key {move.key}"):
                self._cover("options", f"{node.id} {option.key}", place.lang)
            return
        fallback = None  # a transfer's short menu ends with the number and goodbye
        if isinstance(node, MenuNode):
            fallback = node.fallback or tree.defaults.fallback
            fallback = fallback if fallback in tree.nodes else None
        wrong_key = (
            move.key is not None and move.key not in local and tree.defaults.keys.global_action(move.key) is None
        )
        if move.silent and place.no_input == tree.defaults.max_no_input - 1:
            if arrived(fallback, place.lang, "no-input cap"):
                self._cover("no-input cap", node.id, place.lang)
        elif (
            wrong_key
            and place.no_match == tree.defaults.max_no_match - 1
            and arrived(fallback, place.lang, "no-match cap")
        ):
            self._cover("no-match cap", node.id, place.lang)

    def _arrived(
        self, expected: str | None, result: WaitKey | End, lang: str, moment: Moment, script: str, what: str
    ) -> bool:
        """Whether ``result`` is ``expected`` (a node id; None: the call ends politely), as the tree says.

        A node with a URL of its own is recognised by the waiting point's URL; a goodbye node, which
        has none, by the call ending with ``<Hangup>`` right after its words (when they are ``<Say>``).
        """
        node = self.tree.nodes.get(expected) if expected else None
        if isinstance(node, GoodbyeNode) or expected is None:
            if isinstance(result, End) and result.reason == "<Hangup>" and result.spoke:
                if node is None:
                    return True
                text = node.text.get(lang) if node.text else self.tree.message("goodbye", lang)
                if not result.heard or text in result.heard:
                    self._cover("nodes", node.id, lang)
                    return True
            if isinstance(result, End) and result.reason != "<Hangup>":
                return False  # already reported as a problem or a dead end
            self._wrong(what, f"{expected or 'a goodbye'}", result, moment, script)
            return False
        landed = self._wait_place(result)
        if landed is not None and landed.node == expected and landed.lang == lang:
            return True
        if isinstance(result, End) and result.reason != "<Hangup>":
            return False
        self._wrong(what, expected, result, moment, script)
        return False

    def _wrong(self, what: str, expected: str, result: WaitKey | End, moment: Moment, script: str) -> None:
        landed = self._wait_place(result)
        if isinstance(result, End):
            got = f"the call ended ({result.reason})"
        elif landed is None:
            got = f"a wait outside the URL scheme ({result[2]})"
        else:
            got = f"{landed.node} in {landed.lang}"
        self._find("error", "wrong-target", f"{what} should lead to {expected} (the tree says so); it led to {got}",
                   "", moment, script)  # fmt: skip

    def _place_of(self, url: str) -> Place | None:
        if url not in self._places:
            self._places[url] = place_of(self.tree, url)
        return self._places[url]

    def _visit(self, place: Place | None) -> None:
        if place is None:
            return
        if isinstance(self.tree.nodes[place.node], LanguageNode):
            for lang in self.tree.languages:  # said in every language at once
                self._cover("nodes", place.node, lang)
        else:
            self._cover("nodes", place.node, place.lang)

    def _cover(self, group: str, ident: str, lang: str) -> None:
        item = self.items.get((group, ident, lang))
        if item is not None:
            item.covered = True

    def _find(self, severity: str, kind: str, message: str, url: str, moment: Moment, script: str) -> None:
        place = self._place_of(url) if url else None
        where = place.node if place else urlsplit(url).path
        generic = re.sub(r"\?\S*", "", message)
        key = (severity, kind, where, generic)
        if key in self.findings:
            self.findings[key].count += 1
            return
        self.findings[key] = Finding(severity, kind, message, url, moment.name, moment.at.isoformat(), script, 1, key)

    # -- loops -----------------------------------------------------------------------------------

    def _find_loops(self) -> None:
        """A waiting point from which no input sequence reaches another node or the end of the call.

        Exits are: the call ending, a wait at another node, or a wait the walk never looked at (it
        may lead anywhere, so it is not held against the tree). A trail variant left alone stands for
        the wait of its family that was explored. Every explored point that cannot reach an exit
        through waits at its own node is stuck.
        """

        def node_of(key: WaitKey) -> str:
            point = self.points[key]
            return point.place.node if point.place else point.url

        def stand_in(key: WaitKey) -> WaitKey:
            point = self.points[key]
            return key if point.explored else self.ledger.families[self.family_of[key]][point.moment.name]

        good: set[WaitKey] = set()
        same_node_parents: dict[WaitKey, set[WaitKey]] = {}
        for key, edges in self.edges.items():
            for _move, result in edges:
                if isinstance(result, tuple):
                    result = stand_in(result)
                if isinstance(result, End) or not self.points[result].explored or node_of(result) != node_of(key):
                    good.add(key)
                else:
                    same_node_parents.setdefault(result, set()).add(key)
        todo = list(good)
        while todo:
            for parent in same_node_parents.get(todo.pop(), ()):
                if parent not in good:
                    good.add(parent)
                    todo.append(parent)
        for key, point in self.points.items():
            if point.explored and key not in good:
                self._find(
                    "error", "loop",
                    f"a loop with no exit: from this {point.kind}, no input leads to another node or ends the call",
                    point.url, point.moment, " ".join(m.script for m in point.path),
                )  # fmt: skip


def _requests(call: Call, start: int) -> int:
    return sum(1 for e in call.transcript.events[start:] if e.kind == "request")


def _act(call: Call, move: Move) -> None:
    for action in move.actions:
        if call.ended:
            return
        call.engine.send(action)


def explore(
    tree: Tree,
    app_for: AppFactory,
    *,
    moments: list[Moment] | None = None,
    strategy: Strategy = "fork",
    max_calls: int | None = None,
    budget_seconds: float | None = None,
    all_trails: bool = False,
    jobs: int = 1,
) -> Report:
    """Walk every reachable path of ``tree`` through the simulator against ``app_for(moment)`` apps.

    With ``jobs`` > 1 one walk is shared by that many worker processes (:mod:`ivr.coverage.parallel`);
    where processes cannot be forked the walk stays in one process.
    """
    explorer = Explorer(
        tree, app_for, moments=moments, strategy=strategy, max_calls=max_calls, budget_seconds=budget_seconds,
        all_trails=all_trails,
    )  # fmt: skip
    with _collector_for_a_walk():
        if jobs > 1 and parallel.can_fork():
            return parallel.walk_in_parallel(explorer, jobs)
        return explorer.run()


#: Allocations between two youngest-generation collections during a walk (Python's default: 700).
WALK_GC_THRESHOLD = 20_000


@contextmanager
def _collector_for_a_walk() -> Iterator[None]:
    """The garbage collector tuned for a walk, as it was afterwards.

    A walk allocates millions of short-lived objects (events, requests, parsed documents), and
    with the default thresholds a tenth of its time went to collections that mostly re-traversed
    what was there before it began: the imported modules, the app, the tree. Those are frozen (the
    collector leaves them alone, and forked workers do not copy their pages by touching them),
    and the youngest generation is collected less often. Cycles are still collected.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(WALK_GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
