"""Which answers of the walk cannot differ, so that each is asked for once.

A walk of the shipped menu asked the app for 25,000 answers, most of them twice or nine times over:
once per clock moment, and once per attempt (``ni=``/``nm=``, the no-input and no-match counters).
Two rules take the repeats out without losing a check; each rests on how the tree's URL scheme
and opening hours work, and each is written so that a wait the rule does not fit is walked in full.

**Moments.** A document depends on the clock only where the tree has a clock: a hotline's opening
hours (holidays and special dates are part of them), read when a caller enters a transfer node
(open: the ``<Dial>``; closed: the notice, when it opens again, and the short menu). Every other
node's document is a function of the URL and the caller's input alone. So an answer that neither
fetched nor led into a transfer node whose hotline has hours is the same at every moment: the walk
asks at one moment, and the wait it leads to stands for all of them. An answer that did touch such
a transfer (:func:`reads_clock`) is asked for again at each other moment, and what follows is
walked per moment. A URL outside the scheme cannot be judged and counts as reading the clock.

**Attempts.** The counters in the URL are read only when the caller's input was not understood or
was missing: a choice starts the next node (or the same one) with fresh counters, so its answer at
``ni=1&nm=2`` is the answer it got at the same wait without counters. At a wait with counters the
walk therefore tries only what was a *miss* at the wait without them (the answer came back to the
same node, language and mode with a counter up: silence, a wrong key, words not understood), and of
those one move per distinct answer: every wrong key got the same reprompt there, so they are one
move here. This holds only where the wait takes input as its first attempt did (:func:`same_wait`:
the same numDigits, timeout, hints...); a wait that does not is walked in full. Choices keep their
outcome from the wait without counters (it stands in for them in the loop check), so their coverage
and findings are those already taken there.

**Counters apart.** At a wait where one counter is up and the other is zero (``ni=1``, or
``nm=2``), only the misses of the raised counter are tried: silence again at ``ni=1``, not a wrong
key. The app's core (``ivr/call/flow.py``: ``_no_input``, ``_no_match``, ``_reprompt``,
``_fallback``) answers a silence from ``ni`` alone and a wrong key or words not understood from
``nm`` alone: the attempt is that counter plus one, the reprompt is picked by that attempt, and the
cap it is held against is that counter's own (``max_no_input``, ``max_no_match``; the tree has no
cap on the two together). The other counter is carried into the next URL unchanged, or dropped
with it when the cap sends the caller on (the fallback, and the language node's default language,
start with fresh counters; the number and goodbye of a transfer's short menu end the call). So a
wrong key at ``ni=1`` is answered as it was at the first attempt and leads to ``ni=1&nm=1``: the
wait at ``nm=1`` with ``ni=1`` carried along, where a silence is answered as at ``ni=1`` and a wrong
key as at ``nm=1`` (a cap included: the third silence goes to the fallback whatever ``nm`` says).
Every answer at a wait with both counters up is one already asked at a wait with one of them, but
for the other counter in its URLs; the walk never goes there. A miss of the other counter keeps its
first-attempt outcome (the wait with only that counter up, which leaves the node as the wait with
both would), for the loop check. This holds only where the miss's counter is known
(:func:`miss_counter`: at the first attempt it raised exactly one counter) and the answer provably
does not read the other counter (:func:`reads_other_counter`): a URL outside the scheme, or a node
kind whose misses the core does not answer this way, is walked as before. And it holds only while
the app keeps to those rules where the walk can see it: a wait at a later attempt that takes input
unlike its first (:func:`same_wait` fails: an app whose documents read a counter beyond the core's
rules, say a ``<Gather>`` that loses ``numDigits`` after two silences) turns the rule off for its
family (the waits with the same first attempt), and the misses it had left out there are tried after
all, on a replay (the explorer's ``_retry``). Outside the core the app
only passes the counters on (the cache of rendered documents keys on the whole URL; the call store,
which a walk turns off, records each attempt). What the rule cannot see is an app that, unlike this
one, answers differently when both counters are up: a fault met only at ``ni=1&nm=1``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from ivr.coverage.places import Place
from ivr.menu.model import LanguageNode, MenuNode, TransferNode, Tree
from ivr.simulator.caller import Waiting

ATTEMPT_PARAMS = ("ni", "nm")  # the no-input and no-match counters of the app's URL scheme
Counter = str  # one of ATTEMPT_PARAMS

#: Node kinds whose misses the core answers from the missed counter alone (the module docstring).
COUNTERS_APART = (LanguageNode, MenuNode, TransferNode)  # MenuNode includes InfoNode


def reads_clock(tree: Tree, place: Place | None) -> bool:
    """Whether a document at ``place`` may differ between two moments (see the module docstring)."""
    if place is None:
        return True  # outside the URL scheme: nothing says it does not
    node = tree.nodes[place.node]
    hotline = tree.hotlines.get(node.hotline) if isinstance(node, TransferNode) else None
    return hotline is not None and hotline.hours is not None


def without_attempts(url: str) -> str:
    """``url`` without the attempt counters: the address of the same wait at its first attempt."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = "&".join(f"{k}={v}" for k, v in pairs if k not in ATTEMPT_PARAMS)
    return parts._replace(query=query).geturl()


def has_attempts(place: Place | None) -> bool:
    """A wait that carries counters: one that a miss led to."""
    return place is not None and (place.no_input > 0 or place.no_match > 0)


def same_wait(first: Waiting, other: Waiting) -> bool:
    """Whether two waits take input alike: the same verb with the same attributes but for where the
    answer goes (numDigits, timeout, finishOnKey, input, hints, language...). Only then does a choice
    made at one stand for the same choice at the other."""
    ignore = ("action", "line", "prompts")  # where the answer goes, and what is said before listening
    return first.kind == other.kind and {k: v for k, v in first.details.items() if k not in ignore} == {
        k: v for k, v in other.details.items() if k not in ignore
    }


def is_miss(at: Place | None, landed: Place | None) -> bool:
    """Whether an answer at ``at`` (a wait without counters) came back to it with a counter up.

    ``landed`` is the wait the answer led to; an answer that ended the call is no miss (a miss
    reprompts, or at the cap goes to the fallback, which no counter changes)."""
    if at is None or landed is None:
        return True  # a wait outside the URL scheme: cannot tell, so try the move at every attempt
    same = (landed.node, landed.lang, landed.mode) == (at.node, at.lang, at.mode)
    return same and (landed.no_input > at.no_input or landed.no_match > at.no_match)


def counters(place: Place) -> dict[Counter, int]:
    """The attempt counters of ``place``, by their URL names."""
    return {"ni": place.no_input, "nm": place.no_match}


def raised_counter(place: Place | None) -> Counter | None:
    """The one counter up at ``place`` while the other is zero; None if neither or both are up."""
    if place is None:
        return None
    up = [name for name, value in counters(place).items() if value > 0]
    return up[0] if len(up) == 1 else None


def miss_counter(at: Place | None, landed: Place | None) -> Counter | None:
    """Which counter a miss at ``at`` (a wait without counters) raised, by where it ``landed``.

    None unless exactly that one went up and the other stayed: an answer that raised both, or
    came back otherwise, is outside the scheme the counters-apart rule rests on."""
    if at is None or landed is None or not is_miss(at, landed):
        return None
    before, after = counters(at), counters(landed)
    up = [name for name in ATTEMPT_PARAMS if after[name] > before[name]]
    if len(up) != 1 or any(after[n] != before[n] for n in ATTEMPT_PARAMS if n != up[0]):
        return None
    return up[0]


def reads_other_counter(tree: Tree, place: Place | None, counter: Counter) -> bool:
    """Whether the answer to a miss of ``counter`` at ``place`` may depend on the other counter.

    No for the node kinds whose misses the core answers from the missed counter alone (language,
    menu, info, transfer: the module docstring); a URL outside the scheme, or a node of another
    kind, cannot be judged and counts as reading it."""
    if place is None or counter not in ATTEMPT_PARAMS:
        return True
    node = tree.nodes.get(place.node)
    return not isinstance(node, COUNTERS_APART)
