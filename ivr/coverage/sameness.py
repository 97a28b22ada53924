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
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from ivr.coverage.places import Place
from ivr.menu.model import TransferNode, Tree
from ivr.simulator.caller import Waiting

ATTEMPT_PARAMS = ("ni", "nm")  # the no-input and no-match counters of the app's URL scheme


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
