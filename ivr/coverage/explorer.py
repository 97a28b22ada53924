"""Path coverage: walk every reachable path of a menu tree through the simulator, and account for it.

``ivr paths`` answers "can a caller get everywhere, and does every way through end well?" by
*calling the line*: the explorer only presses keys, speaks, stays silent, leaves messages and
answers dials through :mod:`ivr.simulator`, which speaks nothing but Twilio's protocol to the app.
It never calls ``ivr.call.flow``. The tree (``ivr.menu.loader``) is read for the denominators only -- which
nodes, options and branches exist -- and the app's URL scheme
(``/voice/node/<node>[/input|/dialed|/recorded]?lang=&ni=&nm=&trail=&mode=``) maps what the
simulator fetched back to those nodes.

Why breadth-first over *waiting points*: the app keeps a call's whole state in its webhook URLs,
so a call waiting at a ``<Gather>``/``<Record>``/``<Dial>`` is fully identified by (what it waits
for, the action URL, the method, the app's clock). Reaching one again by another path needs no
second look, and breadth-first order gives every waiting point its shortest input sequence, which
doubles as the ``ivr simulate --script`` that reproduces anything found there.

To try the answers at a waiting point the explorer either forks the parked call
(:meth:`ivr.simulator.Call.fork`: one request per answer) or replays the input sequence from a
fresh call (one request per step of the way there); forking is the default because it is several
times cheaper (measured in the README's Simulator section) and gives identical transcripts.

Hours: a hotline's after-hours branch needs a clock at which it is closed, its transfer a clock at
which it is open. :func:`choose_moments` scans one week of the tree's hours for instants where each
hotline with hours is open in one and closed in another; a hotline open around the clock simply has
no after-hours branch (reported as n/a).
"""

from __future__ import annotations

import itertools
import json
import logging
import multiprocessing
import re
import shlex
import time as timer
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from ivr.call.callstate import CallState
from ivr.call.hours import is_open, ranges_on, zone
from ivr.menu.model import GoodbyeNode, LanguageNode, MenuNode, Node, TransferNode, Tree
from ivr.simulator import Call, Simulator
from ivr.simulator.caller import CallerAction, DialOutcome, Ended, Press, Silence, Speak, Waiting
from ivr.simulator.transcript import Event

#: A quiet, ordinary week (no holidays in the shipped tree) in which the hours are scanned.
REFERENCE_WEEK = date(2026, 6, 1)  # a Monday
#: The dial outcomes tried at every ``<Dial>`` (Twilio's DialCallStatus values that mean something
#: different to a caller; ``canceled`` only happens when the caller hangs up first).
DIAL_OUTCOMES = ("completed", "busy", "no-answer", "failed")
KEYS = "0123456789*#"
MESSAGE_WORDS = "my number is 138 0000 0000, please call me back"
BASE_URL = "http://localhost"
Strategy = Literal["fork", "replay"]
AppFactory = Callable[["Moment"], Any]  # a moment -> a WSGI app whose clock reads that moment


# --- moments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    """One instant the line is explored at, and which hotlines with hours are open then."""

    name: str
    at: datetime
    open: frozenset[str]
    closed: frozenset[str]


def choose_moments(tree: Tree, week: date = REFERENCE_WEEK) -> list[Moment]:
    """As few instants as possible such that every hotline with hours is open at one and closed at another.

    The first is the instant with the most hotlines open ("open"); the rest are picked greedily to
    close whatever is still open everywhere ("closed", "closed 2", …). Opening hours are piecewise
    constant, so only the middle of each stretch between two opening/closing instants is examined.
    """
    timed = {hid: h.hours for hid, h in tree.hotlines.items() if h.hours is not None}
    start = datetime.combine(week, time(0), tzinfo=UTC)
    end = start + timedelta(days=7)
    if not timed:
        return [Moment("open", start + timedelta(hours=2), frozenset(), frozenset())]
    edges = {start, end}
    for hours in timed.values():
        tz = zone(hours.timezone)
        for offset in range(-1, 9):
            day = week + timedelta(days=offset)
            for r in ranges_on(hours, day):
                for minute in (r.start, r.end):
                    local = datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=minute)
                    if start < local < end:
                        edges.add(local.astimezone(UTC))
    candidates = []
    for a, b in itertools.pairwise(sorted(edges)):
        middle = (a + (b - a) / 2).replace(second=0, microsecond=0)
        opened = frozenset(hid for hid, hours in timed.items() if is_open(hours, middle))
        candidates.append(Moment("", middle, opened, frozenset(timed) - opened))
    first = max(candidates, key=lambda m: (len(m.open), -m.at.timestamp()))
    chosen = [Moment("open", first.at, first.open, first.closed)]
    needs = set().union(*(_offers(m) for m in candidates)) - _offers(first)
    while needs:
        best = max(candidates, key=lambda m: (len(needs & _offers(m)), len(m.closed), -m.at.timestamp()))
        needs -= _offers(best)
        name = "closed" if len(chosen) == 1 else f"closed {len(chosen)}"
        chosen.append(Moment(name, best.at, best.open, best.closed))
    return chosen


def _offers(moment: Moment) -> set[tuple[str, bool]]:
    """What exploring at ``moment`` shows: (hotline, open?) for each hotline with hours."""
    return {(h, True) for h in moment.open} | {(h, False) for h in moment.closed}


# --- the app's URL scheme -----------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a webhook URL is in the call flow, read from the app's URL scheme."""

    node: str
    event: str  # incoming, enter, input, dialed, recorded
    lang: str
    no_input: int = 0
    no_match: int = 0
    trail: tuple[str, ...] = ()
    mode: str = ""


_NODE_URL = re.compile(r"^/voice/node/(?P<node>[^/?#]+)(?:/(?P<event>input|dialed|recorded))?/?$")
_INCOMING = "/voice/incoming"


def place_of(tree: Tree, url: str) -> Place | None:
    """The node and call state a webhook URL stands for, or None for a URL outside the scheme.

    The query is read with the app's own parser (``CallState.from_params``) so the explorer and the
    app cannot disagree about what a URL means; a URL naming a node the tree lacks is outside.
    """
    parts = urlsplit(url)
    if parts.path == _INCOMING:
        return Place(tree.entry, "incoming", tree.default_language)
    match = _NODE_URL.match(parts.path)
    if match is None or match["node"] not in tree.nodes:
        return None
    state, _ = CallState.from_params(tree, match["node"], dict(parse_qsl(parts.query)))
    event = match["event"] or "enter"
    return Place(state.node, event, state.lang, state.no_input, state.no_match, state.trail, state.mode)


# --- moves --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One thing the caller does at a waiting point (a message is two actions: words, then #)."""

    actions: tuple[CallerAction, ...]

    @property
    def script(self) -> str:
        """The move in ``ivr simulate --script`` language."""
        return " ".join(_script_word(a) for a in self.actions)

    @property
    def key(self) -> str | None:
        first = self.actions[0]
        return first.key if isinstance(first, Press) and len(self.actions) == 1 else None

    @property
    def silent(self) -> bool:
        return isinstance(self.actions[0], Silence)

    @property
    def dial(self) -> str | None:
        first = self.actions[0]
        return first.status if isinstance(first, DialOutcome) else None


def _script_word(action: CallerAction) -> str:
    if isinstance(action, Press):
        return action.key
    if isinstance(action, Silence):
        return "wait"
    if isinstance(action, Speak):
        return f"say {shlex.quote(action.text)}"
    if isinstance(action, DialOutcome):
        return f"dial:{action.status}"
    return "hangup"


def moves_at(state: Waiting) -> list[Move]:
    """Everything worth trying at a wait: each key, silence, each speech hint; each dial outcome;
    a message (and an empty recording) at a ``<Record>``."""
    if state.kind == "dial":
        return [Move((DialOutcome(status),)) for status in DIAL_OUTCOMES]
    if state.kind == "record":
        return [Move((Speak(MESSAGE_WORDS), Press("#"))), Move((Silence(),))]
    moves: list[Move] = []
    inputs = state.details.get("input", ["dtmf"])
    if "dtmf" in inputs:
        moves += [Move((Press(k),)) for k in KEYS]
    moves.append(Move((Silence(),)))
    if "speech" in inputs:
        moves += [Move((Speak(h),)) for h in hints_of(state)]
    return moves


def hints_of(state: Waiting) -> list[str]:
    """The phrases of a ``<Gather hints="…">`` (Twilio separates them with commas)."""
    raw = state.details.get("hints") or ""
    return list(dict.fromkeys(h.strip() for h in raw.split(",") if h.strip()))


# --- what was found -----------------------------------------------------------------------------

WaitKey = tuple[str, str, str, str]  # kind, method, action URL (or document URL + line), moment name


@dataclass
class WaitingPoint:
    """A distinct place where the call waits for the caller, and the shortest way to it."""

    key: WaitKey
    kind: str
    url: str
    moment: Moment
    place: Place | None
    path: tuple[Move, ...]
    state: Waiting
    call: Call | None = None  # parked here for forking until explored
    explored: bool = False


@dataclass(frozen=True)
class End:
    """How a branch of a call ended: Twilio's reason, and whether the caller heard anything last."""

    reason: str
    heard: str
    spoke: bool


@dataclass
class Finding:
    """An error (fails the run) or warning, with one shortest reproduction and how often it was seen."""

    severity: str
    kind: str  # twiml, http, simulator guard, dead-end, loop, app-log, wrong-target, call-ended
    message: str
    url: str
    moment: str
    at: str
    script: str
    count: int = 1
    key: tuple[str, ...] = field(default=(), repr=False)  # what makes two findings the same one

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "kind": self.kind,
            "message": self.message,
            "url": self.url,
            "moment": self.moment,
            "at": self.at,
            "script": self.script,
            "count": self.count,
        }


@dataclass
class Item:
    """One thing the tree says can happen, per language: covered, not yet, or impossible (n/a)."""

    group: str  # nodes, options, no-input cap, no-match cap, dial outcomes, after hours
    id: str
    lang: str
    covered: bool = False
    na: str = ""  # why it cannot happen in this tree

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "id": self.id, "lang": self.lang, "covered": self.covered, "na": self.na}


GROUPS = ("nodes", "options", "no-input cap", "no-match cap", "dial outcomes", "after hours")
FAILING_GROUPS = ("nodes", "options")  # never reaching these fails the run; branches are listed


@dataclass
class Stats:
    waiting_points: int = 0
    explored: int = 0
    calls: int = 0
    placed: int = 0
    forked: int = 0
    requests: int = 0
    variants: int = 0  # waiting points left alone: like an explored one but for the way back
    seconds: float = 0.0
    strategy: str = "fork"
    bound: str = ""  # which bound stopped the walk, if one did

    def to_dict(self) -> dict[str, Any]:
        return {
            "waiting_points": self.waiting_points,
            "explored": self.explored,
            "calls": self.calls,
            "placed": self.placed,
            "forked": self.forked,
            "requests": self.requests,
            "trail_variants_not_explored": self.variants,
            "seconds": round(self.seconds, 2),
            "strategy": self.strategy,
            "bound": self.bound or None,
        }


@dataclass
class Report:
    """The result of a walk: coverage items, findings and what it cost."""

    menu: str
    languages: tuple[str, ...]
    moments: list[Moment]
    items: list[Item]
    findings: list[Finding]
    stats: Stats
    hotline_notes: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def missing(self) -> list[Item]:
        """Items that exist in the tree but were never reached."""
        return [i for i in self.items if not i.covered and not i.na]

    @property
    def ok(self) -> bool:
        """No error, and every node and option reached (uncovered branches are listed, not fatal)."""
        return not self.errors and not any(i.group in FAILING_GROUPS for i in self.missing)

    def tally(self, group: str, lang: str) -> tuple[int, int, int]:
        """(covered, total, n/a) of one group in one language."""
        items = [i for i in self.items if i.group == group and i.lang == lang]
        na = sum(1 for i in items if i.na)
        return sum(1 for i in items if i.covered), len(items) - na, na

    def to_dict(self) -> dict[str, Any]:
        return {
            "menu": self.menu,
            "ok": self.ok,
            "moments": [
                {"name": m.name, "at": m.at.isoformat(), "open": sorted(m.open), "closed": sorted(m.closed)}
                for m in self.moments
            ],
            "hotlines": self.hotline_notes,
            "coverage": {
                group: {
                    lang: dict(zip(("covered", "total", "na"), self.tally(group, lang), strict=True))
                    for lang in self.languages
                }
                for group in GROUPS
            },
            "not_covered": [i.to_dict() for i in self.missing],
            "items": [i.to_dict() for i in self.items],
            "findings": [f.to_dict() for f in self.findings],
            "stats": self.stats.to_dict(),
        }


# --- the denominators ---------------------------------------------------------------------------


def coverage_items(tree: Tree, moments: list[Moment]) -> tuple[dict[tuple[str, str, str], Item], dict[str, str]]:
    """Every node, option and branch the tree promises, per language, keyed (group, id, lang)."""
    items: dict[tuple[str, str, str], Item] = {}
    langs = tuple(tree.languages)

    def add(group: str, ident: str, lang: str, na: str = "") -> None:
        items[(group, ident, lang)] = Item(group, ident, lang, na=na)

    closed_somewhere = {h for m in moments for h in m.closed}
    open_somewhere = {h for m in moments for h in m.open}
    notes: dict[str, str] = {}
    for hid, hotline in tree.hotlines.items():
        if hotline.hours is None:
            notes[hid] = "no hours: always open, no after-hours branch"
        elif hid not in closed_somewhere:
            notes[hid] = "open around the clock: no after-hours branch"
        elif hid not in open_somewhere:
            notes[hid] = "never open in the scanned week: no transfer"
        else:
            notes[hid] = "open and closed: both explored"
    for node in tree.nodes.values():
        for lang in langs:
            add("nodes", node.id, lang)
        if isinstance(node, LanguageNode):
            for option in node.options:
                add("options", f"{node.id} {option.key}", option.language)
            add("no-input cap", node.id, tree.default_language)
            add("no-match cap", node.id, tree.default_language)
        elif isinstance(node, MenuNode):
            for lang in langs:
                for option in node.options:
                    add("options", f"{node.id} {option.key}", lang)
                add("no-input cap", node.id, lang)
                add("no-match cap", node.id, lang)
        elif isinstance(node, TransferNode):
            hotline = tree.hotlines.get(node.hotline)
            never_open = bool(hotline and hotline.hours is not None and node.hotline not in open_somewhere)
            for lang in langs:
                for status in DIAL_OUTCOMES:
                    add("dial outcomes", f"{node.id} {status}", lang, "hotline never open" if never_open else "")
                na = "" if node.hotline in closed_somewhere else notes.get(node.hotline, "no hotline")
                add("after hours", node.id, lang, na)
                add("no-input cap", node.id, lang)  # the built-in short menu (after hours or after a failed dial)
                add("no-match cap", node.id, lang)
    return items, notes


# --- the walk -----------------------------------------------------------------------------------


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
        self.families: dict[tuple[str, ...], WaitKey] = {}  # the first wait of each family
        self.family_of: dict[WaitKey, tuple[str, ...]] = {}
        self.findings: dict[tuple[str, ...], Finding] = {}
        self.stats = Stats(strategy=strategy)
        self._tap = _LogTap()
        self._places: dict[str, Place | None] = {}
        self._started = 0.0

    # -- driving ---------------------------------------------------------------------------------

    def run(self) -> Report:
        self._started = timer.perf_counter()
        root = logging.getLogger()
        root.addHandler(self._tap)
        try:
            for moment in self.moments:
                call = self._place(moment)
                self.stats.requests += _requests(call, 0)
                self._observe(None, None, moment, call, 0, ())
            for queue in (self.queue, self.variants) if self.all_trails else (self.queue,):
                while queue and not self._bounded():
                    self._explore(self.points[queue.popleft()])
        finally:
            root.removeHandler(self._tap)
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
        for move in moves_at(point.state):
            if self._bounded():
                return
            self._tap.records.clear()
            if self.strategy == "fork" and point.call is not None:
                branch = point.call.fork()
                self.stats.calls += 1
                self.stats.forked += 1
                inherited = len(branch.transcript.events)  # made by the parked call, already counted
            else:
                branch = self._place(point.moment)
                for step in point.path:
                    _act(branch, step)
                inherited = 0
            before, problems = len(branch.transcript.events), len(branch.problems)
            _act(branch, move)
            self.stats.requests += _requests(branch, inherited)
            self._observe(point, move, point.moment, branch, problems, (*point.path, move), before)
        point.explored = True
        point.call = None  # nothing will fork from here again: let the parked call go

    # -- learning from one branch ----------------------------------------------------------------

    def _observe(
        self,
        source: WaitingPoint | None,
        move: Move | None,
        moment: Moment,
        call: Call,
        problems_before: int,
        path: tuple[Move, ...],
        events_before: int = 0,
    ) -> None:
        script = " ".join(m.script for m in path)
        url = source.url if source else self.simulators[moment.name].entry_url
        for problem in call.problems[problems_before:]:
            code = str(problem["code"])
            kind = "http" if code == "11200" else "simulator guard" if code.startswith("simulator:") else "twiml"
            where = f" line {problem['line']}" if problem.get("line") else ""
            self._find(
                "error", kind, f"{problem['severity']} {problem['code']}{where}: {problem['message']}",
                problem["url"], moment, script,
            )  # fmt: skip
        for record in self._tap.records:
            severity = "error" if record.levelno >= logging.ERROR else "warning"
            self._find(severity, "app-log", f"{record.name}: {record.getMessage()}", url, moment, script)
        self._tap.records.clear()
        for event in call.transcript.events[events_before:]:
            if event.kind == "request" and event.data.get("url"):
                self._visit(self._place_of(event.data["url"]))
        state = call.state
        result: WaitKey | End
        if isinstance(state, Waiting):
            key = _wait_key(state, call, moment)
            result = key
            if key not in self.points:
                point = WaitingPoint(
                    key, state.kind, key[2], moment, self._place_of(key[2]), path, state,
                    call if self.strategy == "fork" else None,
                )  # fmt: skip
                self.points[key] = point
                since = call.transcript.since_last_input() if move is not None else call.transcript.events
                family = (*key[:2], _without_trail(key[2]), key[3], _fingerprint(since))
                self.family_of[key] = family
                if family in self.families:
                    self.variants.append(key)
                    if not self.all_trails:
                        point.call = None  # it will not be explored: do not keep the call alive for it
                else:
                    self.queue.append(key)
                    self.families[family] = key
                self._visit(point.place)
                if point.place and point.place.mode == "closed":
                    self._cover("after hours", point.place.node, point.place.lang)
        else:
            assert isinstance(state, Ended)
            since = call.transcript.since_last_input() if move is not None else call.transcript.events
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

    def _wait_place(self, result: WaitKey | End) -> Place | None:
        return self.points[result].place if isinstance(result, tuple) else None

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
            return key if self.points[key].explored else self.families[self.family_of[key]]

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


def _fingerprint(events: list[Event]) -> str:
    """What the caller met on the way into a wait -- prompts, the wait's own attributes -- with the
    way back (``trail=``) taken out of every URL: two waits alike in this are trail variants."""
    seen = [(e.kind, e.data) for e in events if e.kind not in ("request", "input")]
    return _TRAIL.sub("", json.dumps(seen, ensure_ascii=False, sort_keys=True, default=str))


_TRAIL = re.compile(r"[?&]trail=[^&\"'\s]*")


def _without_trail(url: str) -> str:
    """``url`` without its ``trail=`` parameter: the way back, which only the back key reads."""
    parts = urlsplit(url)
    query = "&".join(f"{k}={v}" for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "trail")
    return parts._replace(query=query).geturl()


def _requests(call: Call, start: int) -> int:
    return sum(1 for e in call.transcript.events[start:] if e.kind == "request")


def _act(call: Call, move: Move) -> None:
    for action in move.actions:
        if call.ended:
            return
        call.engine.send(action)


def _wait_key(state: Waiting, call: Call, moment: Moment) -> WaitKey:
    method = str(state.details.get("method") or "POST")
    action = state.details.get("action")
    if not action:  # a <Dial> without an action goes on with the next verb: the document and the verb say where
        action = f"{call.engine.document_url}#line{state.details.get('line')}"
    return (state.kind, method, str(action), moment.name)


def _local_keys(tree: Tree, node: Node, place: Place) -> set[str]:
    """The keys a node offers besides the global ones (a transfer's short menu has its own)."""
    if isinstance(node, MenuNode):
        return {o.key for o in node.options}
    if isinstance(node, TransferNode) and place.mode:
        keys = tree.defaults.keys
        choices = ("leave_message", "hear_number") if place.mode == "closed" else ("retry", "hear_number")
        return {getattr(keys, c) for c in choices}
    return set()


def _option_target(tree: Tree, node: MenuNode, place: Place, action: str, target: str | None) -> str | None:
    """Where an option leads by the tree: a node id, or None when the call ends."""
    if action == "goto":
        return target or tree.main_menu
    if action == "main":
        return tree.main_menu
    if action == "help":
        return tree.help if tree.help and tree.help != node.id else node.id
    if action == "back":
        return place.trail[-1] if place.trail else node.id
    if action == "end_call":
        return None
    return node.id  # repeat


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

    With ``jobs`` > 1 the moments are walked in parallel processes (their waiting points never
    overlap: the clock is part of a waiting point's identity), each with its share of ``max_calls``;
    where processes cannot be forked the walk is sequential.
    """
    moments = moments or choose_moments(tree)
    groups = [moments[i :: max(1, jobs)] for i in range(min(max(1, jobs), len(moments)))]
    share = None if max_calls is None else -(-max_calls // len(groups))

    def walk(group: list[Moment], calls: int | None) -> Report:
        explorer = Explorer(
            tree, app_for, moments=group, strategy=strategy, max_calls=calls, budget_seconds=budget_seconds,
            all_trails=all_trails,
        )  # fmt: skip
        return explorer.run()

    if len(groups) == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return walk(moments, max_calls)
    started = timer.perf_counter()
    context = multiprocessing.get_context("fork")
    running = []
    for group in groups:
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_walk_in_child, args=(send, lambda g=group: walk(g, share)), daemon=True)
        process.start()
        send.close()
        running.append((receive, process))
    reports = []
    for receive, process in running:
        try:
            outcome, value = receive.recv()
        except EOFError:
            outcome, value = "error", f"the walking process died (exit code {process.exitcode})"
        process.join()
        if outcome != "ok":
            raise RuntimeError(f"walking the paths failed in a worker process:\n{value}")
        reports.append(value)
    merged = _merge(tree, moments, reports, strategy)
    merged.stats.seconds = timer.perf_counter() - started
    return merged


def _walk_in_child(send: Any, walk: Callable[[], Report]) -> None:
    """Run one share of the walk in a forked process and send the report (or the traceback) back."""
    try:
        send.send(("ok", walk()))
    except BaseException:
        send.send(("error", traceback.format_exc()))
    finally:
        send.close()


def _merge(tree: Tree, moments: list[Moment], reports: list[Report], strategy: str) -> Report:
    """One report from the walks of disjoint sets of moments; n/a is judged over all the moments."""
    items, notes = coverage_items(tree, moments)
    for report in reports:
        for item in report.items:
            if item.covered and (item.group, item.id, item.lang) in items:
                items[(item.group, item.id, item.lang)].covered = True
    findings: dict[tuple[str, ...], Finding] = {}
    for report in reports:
        for finding in report.findings:
            if finding.key in findings:
                findings[finding.key].count += finding.count
            else:
                findings[finding.key] = finding
    stats = Stats(strategy=strategy)
    for report in reports:
        for name in ("waiting_points", "explored", "calls", "placed", "forked", "requests", "variants"):
            setattr(stats, name, getattr(stats, name) + getattr(report.stats, name))
        stats.seconds = max(stats.seconds, report.stats.seconds)
        stats.bound = stats.bound or report.stats.bound
    return Report(
        tree.file, tuple(tree.languages), moments, list(items.values()), _ordered(findings.values()), stats, notes
    )


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then by kind and message: the order a reader fixes them in."""
    return sorted(findings, key=lambda f: (f.severity != "error", f.kind, f.message))


def project_app(menu_file: str, audio_dir: str) -> AppFactory:
    """This project's app for one menu, its clock stopped at the moment.

    Signatures are off (whatever the environment says): checking them was a fifth of the walk's
    time, and the simulator's own tests cover them. Its "development mode" warning is expected here.
    """
    from ivr.web import create_app

    def make(moment: Moment) -> Any:
        settings = {"MENU_FILE": menu_file, "AUDIO_DIR": audio_dir, "TWILIO_AUTH_TOKEN": "", "IVR_ENV": "development"}
        settings |= {"PUBLIC_BASE_URL": "", "TRUSTED_PROXIES": "0"}
        web_log = logging.getLogger("ivr.web")
        level = web_log.level
        web_log.setLevel(logging.ERROR)
        try:
            return create_app(settings, clock=lambda: moment.at)
        finally:
            web_log.setLevel(level)

    return make


def describe_moment(moment: Moment, tree: Tree) -> str:
    """The instant in the hotlines' own time zone when they share one (people read hours that way)."""
    zones = {h.hours.timezone for h in tree.hotlines.values() if h.hours is not None}
    at = moment.at.astimezone(zone(zones.pop())) if len(zones) == 1 else moment.at
    return f"{at:%a %Y-%m-%d %H:%M} {at.tzinfo}"
