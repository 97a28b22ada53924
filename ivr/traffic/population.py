"""A population of simulated callers: who calls when, and what each does at every wait.

The mix is a plain table (:class:`CallerMix`) so a demo can ask for a worse day (more wrong
keys, more hang-ups) without touching code. Each call draws its moment in the chosen week
(more calls in the hotlines' daytime), a language, and then answers every wait the simulator
stops at: a key announced by that menu, a spoken phrase from the ``<Gather hints>``, a wrong
key, silence, the global keys, or hanging up; a transfer is answered, busy, unanswered or
fails; a recording gets a message or nothing. One ``random.Random(seed)`` drives it all, and
the calls are placed one after another, so the same seed gives the same calls.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ivr.coverage.places import Place, hints_of, place_of
from ivr.menu.model import InfoNode, LanguageNode, MenuNode, TransferNode, Tree
from ivr.simulator import Call, Simulator
from ivr.simulator.caller import CallerAction, DialOutcome, HangUp, Press, Silence, Speak, Waiting

MESSAGE_WORDS = (
    "my number is 138 0000 0000, please call me back about a refund",
    "我的电话是13900000000，请回电，我的付款失败了",
    "please call me back, my account is locked",
)


@dataclass(frozen=True)
class CallerMix:
    """How often callers do each thing (weights, not percentages: they are normalised)."""

    # at a menu
    option: float = 70.0
    speech: float = 14.0
    wrong_key: float = 5.0
    global_key: float = 3.0
    silence: float = 5.0
    hang_up: float = 3.0
    # after hearing guidance: most callers are helped and hang up
    guidance_hang_up: float = 55.0
    # the language choice: share of each language option, in the order the node offers them
    languages: tuple[float, ...] = (70.0, 30.0)
    # a transfer: how the hotline answers
    dial: tuple[tuple[str, float], ...] = (("completed", 66.0), ("busy", 12.0), ("no-answer", 14.0), ("failed", 8.0))
    # a recording: a message, an empty recording, hanging up
    record: tuple[tuple[str, float], ...] = (("message", 85.0), ("silence", 10.0), ("hangup", 5.0))
    # speech the recogniser hears with low confidence
    speech_confidence: tuple[float, float] = (0.3, 0.95)
    #: more calls by day: weight of each local hour 0..23 (a support line's usual curve)
    hour_weights: tuple[float, ...] = (
        1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 2, 5, 8, 9, 9, 7, 8, 9, 9, 8, 7, 6, 6, 5, 4, 3, 2,
    )  # fmt: skip
    max_actions: int = 40


@dataclass
class TrafficClock:
    """The app's clock during synthetic traffic: the current call's start plus its simulated time.

    The simulator keeps each call's own time (``engine.now``, seconds since it was answered), so a
    call that starts at 21:59 and waits reaches the hotline after it closed, as it would for real.
    """

    start: datetime = field(default_factory=lambda: datetime.now(UTC))
    engine: Any = None

    def __call__(self) -> datetime:
        elapsed = self.engine.now if self.engine is not None else 0.0
        return self.start + timedelta(seconds=elapsed)


@dataclass(frozen=True)
class CallSummary:
    """One placed call: when, from whom, and how it ended (for the command's closing lines)."""

    call_sid: str
    at: datetime
    caller: str
    end: str
    actions: int
    problems: int


def place_calls(
    simulator: Simulator,
    tree: Tree,
    clock: TrafficClock,
    count: int,
    *,
    seed: int,
    since: datetime,
    days: int = 7,
    mix: CallerMix | None = None,
    on_call: Callable[[CallSummary], None] | None = None,
) -> list[CallSummary]:
    """Place ``count`` calls through ``simulator`` to an app whose clock is ``clock``.

    Call times fall in the ``days`` days from ``since``, weighted by ``mix.hour_weights`` in the
    hotlines' time zone; callers come from a pool of numbers so some call more than once.
    """
    mix = mix or CallerMix()
    rng = random.Random(seed)
    zone = _zone(tree)
    starts = sorted(_moment(rng, since, days, mix, zone) for _ in range(count))
    callers = [f"+86138{rng.randrange(10**8):08d}" for _ in range(max(1, count * 2 // 3))]
    summaries: list[CallSummary] = []
    for start in starts:
        caller = rng.choice(callers)
        engine = simulator.engine(from_=caller)
        clock.start, clock.engine = start, engine
        call = Call(engine, strict=False)
        engine.start()
        actions = 0
        for actions, action in enumerate(_actions(call, tree, rng, mix), start=1):  # noqa: B007
            engine.send(action)
        summary = CallSummary(
            engine.parties.call_sid, start, caller, call.end_reason or "", actions, len(call.problems)
        )
        summaries.append(summary)
        if on_call is not None:
            on_call(summary)
    clock.engine = None
    return summaries


def _actions(call: Call, tree: Tree, rng: random.Random, mix: CallerMix) -> Iterator[CallerAction]:
    last: CallerAction | None = None
    for _ in range(mix.max_actions):
        state = call.state
        if not isinstance(state, Waiting):
            return
        # a caller who has said their message ends it with the finish key
        finished = state.kind == "record" and isinstance(last, Speak)
        last = Press("#") if finished else _answer(state, tree, rng, mix)
        yield last
    if isinstance(call.state, Waiting):
        yield HangUp()


def _answer(state: Waiting, tree: Tree, rng: random.Random, mix: CallerMix) -> CallerAction:
    if state.kind == "dial":
        status = _pick(rng, mix.dial)
        return DialOutcome(status, rng.randint(20, 900) if status == "completed" else None)
    if state.kind == "record":
        what = _pick(rng, mix.record)
        if what == "message":
            return Speak(rng.choice(MESSAGE_WORDS))
        return Silence() if what == "silence" else HangUp()
    place = place_of(tree, str(state.details.get("action") or ""))
    node = tree.nodes.get(place.node) if place else None
    if place is None or node is None:
        return Press(rng.choice("0123456789"))
    if isinstance(node, LanguageNode):
        return _language_choice(node, state, rng, mix)
    return _menu_choice(tree, node, place, state, rng, mix)


def _language_choice(node: LanguageNode, state: Waiting, rng: random.Random, mix: CallerMix) -> CallerAction:
    if rng.random() < 0.06:
        return Silence()
    weights = [mix.languages[i] if i < len(mix.languages) else 1.0 for i in range(len(node.options))]
    option = rng.choices(node.options, weights=weights)[0]
    hints = hints_of(state)
    if hints and "speech" in state.details.get("input", []) and rng.random() < 0.1:
        return Speak(rng.choice(hints), _confidence(rng, mix))
    return Press(option.key)


def _menu_choice(
    tree: Tree, node: Any, place: Place, state: Waiting, rng: random.Random, mix: CallerMix
) -> CallerAction:
    keys = tree.defaults.keys
    if isinstance(node, TransferNode):  # the short menu after a closed hotline or a failed transfer
        choices = [keys.leave_message, keys.hear_number] if place.mode == "closed" else [keys.retry, keys.hear_number]
        return HangUp() if rng.random() < 0.2 else Press(rng.choices(choices, weights=[3, 1])[0])
    if not isinstance(node, MenuNode):
        return HangUp()
    options = [o.key for o in node.options]
    globals_ = list(keys.global_keys())
    weights = {
        "option": mix.option,
        "speech": mix.speech if "speech" in state.details.get("input", []) and hints_of(state) else 0.0,
        "wrong_key": mix.wrong_key,
        "global_key": mix.global_key if globals_ else 0.0,
        "silence": mix.silence,
        "hang_up": mix.hang_up + (mix.guidance_hang_up if isinstance(node, InfoNode) and place.no_input == 0 else 0),
    }
    what = _pick(rng, tuple(weights.items()))
    if what == "option" and options:
        # earlier options are more popular, as on real lines (a gentle Zipf curve over the order)
        return Press(rng.choices(options, weights=[1 / (i + 1) ** 0.7 for i in range(len(options))])[0])
    if what == "speech":
        return Speak(rng.choice(hints_of(state)), _confidence(rng, mix))
    if what == "wrong_key":
        unused = [k for k in "0123456789" if k not in options and k not in globals_]
        return Press(rng.choice(unused)) if unused else Silence()
    if what == "global_key":
        return Press(rng.choice(globals_))
    if what == "silence":
        return Silence()
    return HangUp()


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    names = [name for name, _ in table]
    return rng.choices(names, weights=[weight for _, weight in table])[0]


def _confidence(rng: random.Random, mix: CallerMix) -> float:
    low, high = mix.speech_confidence
    return round(rng.uniform(low, high), 2)


def _zone(tree: Tree) -> Any:
    from zoneinfo import ZoneInfo

    zones = {h.hours.timezone for h in tree.hotlines.values() if h.hours is not None}
    return ZoneInfo(sorted(zones)[0]) if zones else UTC


def _moment(rng: random.Random, since: datetime, days: int, mix: CallerMix, zone: Any) -> datetime:
    day = since.astimezone(zone).date() + timedelta(days=rng.randrange(days))
    hour = rng.choices(range(24), weights=mix.hour_weights)[0]
    local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=zone)
    return local.astimezone(UTC)
