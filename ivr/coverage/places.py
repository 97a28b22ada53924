"""What the explorer reads from a call: the app's URL scheme mapped back to the tree, and the caller's moves.

The app keeps a call's whole state in its webhook URLs
(``/voice/node/<node>[/input|/dialed|/recorded]?lang=&ni=&nm=&trail=&mode=``); :func:`place_of`
reads one back into the node and call state it stands for, with the app's own parser.
:func:`_wait_address` is where a call waits (a key adds its moments), :func:`_fingerprint` what tells two waits
apart but for the way back (``trail=``). :func:`moves_at` lists what is worth trying at a wait, and
:func:`_local_keys` and :func:`_option_target` say where the tree expects a key to lead.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from ivr.call.callstate import CallState
from ivr.menu.model import MenuNode, Node, TransferNode, Tree
from ivr.simulator import Call
from ivr.simulator.caller import CallerAction, DialOutcome, Press, Silence, Speak, Waiting
from ivr.simulator.transcript import Event

#: The dial outcomes tried at every ``<Dial>`` (Twilio's DialCallStatus values that mean something
#: different to a caller; ``canceled`` is what the action hears when the caller hangs up first, and
#: the app must answer it like any other outcome).
DIAL_OUTCOMES = ("completed", "busy", "no-answer", "failed", "canceled")
KEYS = "0123456789*#"
MESSAGE_WORDS = "my number is 138 0000 0000, please call me back"


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


def _without_trail(url: str) -> str:
    """``url`` without its ``trail=`` parameter: the way back, which only the back key reads."""
    parts = urlsplit(url)
    query = "&".join(f"{k}={v}" for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "trail")
    return parts._replace(query=query).geturl()


# --- waits --------------------------------------------------------------------------------------

WaitAddress = tuple[str, str, str]  # kind, method, action URL (or document URL + line)
WaitKey = tuple[str, str, str, str]  # the address and the moments it stands for ("open+closed")


def _wait_address(state: Waiting, call: Call) -> WaitAddress:
    method = str(state.details.get("method") or "POST")
    action = state.details.get("action")
    if not action:  # a <Dial> without an action goes on with the next verb: the document and the verb say where
        action = f"{call.engine.document_url}#line{state.details.get('line')}"
    return (state.kind, method, str(action))


def _fingerprint(events: list[Event]) -> str:
    """What the caller met on the way into a wait -- prompts, the wait's own attributes -- with the
    way back (``trail=``) taken out of every URL: two waits alike in this are trail variants."""
    seen = [(e.kind, e.data) for e in events if e.kind not in ("request", "input")]
    return _TRAIL.sub("", json.dumps(seen, ensure_ascii=False, sort_keys=True, default=str))


_TRAIL = re.compile(r"[?&]trail=[^&\"'\s]*")


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


# --- what the tree expects ----------------------------------------------------------------------


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
