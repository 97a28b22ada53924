"""What one webhook tells about a call's journey, as events for the store.

A webhook's answer is a ``Step`` (``ivr.call.flow``); what happened is read off the request and that
step: the node the caller lands on, a transfer dialled, a line found closed, a recording offered, the
call hung up. What an input meant comes from ``flow.understood``, the same rules ``flow.respond``
applies. Facts hold nothing of the caller (no number, no SID, no recording URL), so the web layer can
keep them with the cached document they belong to; ``Recorder.record`` adds the call's own
parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ivr.call import flow
from ivr.call.callstate import CallState
from ivr.menu.model import GoodbyeNode, LanguageNode, TransferNode, Tree
from ivr.store.schema import events as events_table

Fact = Mapping[str, Any]  # column → value, as in ``ivr.store.schema.events``
Facts = tuple[Fact, ...]


#: The events table's column widths: a fact's text longer than its column is cut here, once per
#: fact (the web keeps facts with their cached document), so that no batch is ever refused.
LENGTHS = {c.name: c.type.length for c in events_table.columns if getattr(c.type, "length", None)}


def fact(kind: str, **values: Any) -> Fact:
    kept = {k: _fit(k, v) for k, v in values.items() if v is not None}
    return MappingProxyType({"kind": kind, **kept})


def _fit(column: str, value: Any) -> Any:
    limit = LENGTHS.get(column)
    return value[:limit] if limit is not None and isinstance(value, str) else value


def after_incoming(tree: Tree, step: flow.Step) -> Facts:
    """A new call: it starts in the default language at the entry node."""
    lang = tree.default_language
    return (fact("start", node=tree.entry, language=lang), fact("enter", node=tree.entry, language=lang),
            *_shown(tree, step))  # fmt: skip


def after_enter(tree: Tree, state: CallState, step: flow.Step) -> Facts:
    return (fact("enter", node=state.node, language=state.lang), *_shown(tree, step))


def after_input(tree: Tree, state: CallState, heard: flow.CallerInput, step: flow.Step) -> Facts:
    """An input (or a silence) at ``state``: what it meant, the reprompt or fallback it caused, and
    where the caller went."""
    meant = flow.understood(tree, state, heard)
    node, lang = state.node, state.lang
    facts: list[Fact] = []
    if meant.kind == "no_input":
        facts.append(fact("no_input", node=node, language=lang, attempt=meant.attempt))
    else:
        mode, value = ("dtmf", heard.digits.strip()) if heard.digits.strip() else ("speech", heard.speech.strip())
        choice = {"no_match": None, "option": f"option {meant.choice}"}.get(meant.kind, meant.choice)
        facts.append(
            fact("input", node=node, language=lang, input_mode=mode, value=value, confidence=heard.confidence,
                 choice=choice, attempt=meant.attempt or None)
        )  # fmt: skip
    landing = _landing(step)
    if meant.kind in ("no_input", "no_match") and not meant.fallback and landing is not None and landing.node == node:
        facts.append(fact("reprompt", node=node, language=lang, attempt=meant.attempt, status=meant.kind))
        return (*facts, *_shown(tree, step, entered=False))
    if meant.fallback and meant.kind in ("no_input", "no_match"):
        facts.append(fact("fallback", node=node, language=lang, status=meant.kind,
                          target=landing.node if landing is not None else None))  # fmt: skip
    chose = isinstance(tree.nodes.get(node), LanguageNode) and landing is not None and landing.node != node
    if landing is not None and (chose or landing.lang != lang):
        facts.append(fact("language", node=node, language=landing.lang))
    target = landing.node if landing is not None else _goodbye_target(tree, state, meant)
    stays = target == node and not (meant.kind == "action" and meant.choice in RE_ENTERING)
    if target is not None and not stays:
        facts.append(fact("enter", node=target, language=landing.lang if landing is not None else lang))
    return (*facts, *_shown(tree, step))


RE_ENTERING = frozenset({"repeat", "retry", "back", "main", "help"})  # actions that enter a node anew, even this one


def after_dial(tree: Tree, state: CallState, status: str, step: flow.Step) -> Facts:
    """How a transfer ended (``DialCallStatus``; its ``DialCallDuration`` is added from the request)."""
    hotline = _hotline(tree, state.node)
    dial = fact("dial", node=state.node, language=state.lang, hotline=hotline, status=status[:32] or None)
    return (dial, *_shown(tree, step, entered=False))


def after_recorded(tree: Tree, state: CallState, step: flow.Step) -> Facts:
    """``<Record>``'s action: the caller finished a message (the recording itself is reported later)."""
    return (fact("recorded", node=state.node, language=state.lang, hotline=_hotline(tree, state.node)),
            *_shown(tree, step, entered=False))  # fmt: skip


def recording_status(tree: Tree, state: CallState) -> Facts:
    """Twilio's recordingStatusCallback: ``completed`` makes the message (``ivr.store.ingest``)."""
    return (fact("message", node=state.node, language=state.lang, hotline=_hotline(tree, state.node)),)


def call_ended() -> Facts:
    """Twilio's status callback: ``CallStatus`` and ``CallDuration`` are added from the request."""
    return (fact("end"),)


def failed(state_node: str, lang: str) -> Facts:
    """The service could not answer as planned and apologised (see ``ivr.web.app``)."""
    return (fact("error", node=state_node or None, language=lang or None),)


# --- reading the step ----------------------------------------------------------------------------


def _landing(step: flow.Step) -> CallState | None:
    """Where the caller is after this step: the state of its listen, transfer or recording."""
    for action in step:
        if isinstance(action, flow.Listen | flow.Transfer | flow.Record):
            return action.state
    return None


def _shown(tree: Tree, step: flow.Step, *, entered: bool = True) -> Facts:
    """What the step does besides listening: dial, say the line is closed, record, hang up. A
    ``<Dial>`` or ``<Record>`` hands the call to its action URL, so what follows it is not reached
    (the goodbye after a recording is only for a caller who recorded nothing)."""
    facts: list[Fact] = []
    for action in step:
        if isinstance(action, flow.Transfer):
            state = action.state
            facts.append(fact("transfer", node=state.node, language=state.lang, hotline=_hotline(tree, state.node),
                              target=action.number))  # fmt: skip
            break
        elif isinstance(action, flow.Listen) and entered and action.state.mode == "closed":
            state = action.state
            if isinstance(tree.nodes.get(state.node), TransferNode) and not state.no_input and not state.no_match:
                facts.append(fact("closed", node=state.node, language=state.lang, hotline=_hotline(tree, state.node)))
        elif isinstance(action, flow.Record):
            state = action.state
            facts.append(fact("record", node=state.node, language=state.lang, hotline=_hotline(tree, state.node)))
            break
        elif isinstance(action, flow.Hangup):
            facts.append(fact("hangup"))
    return tuple(facts)


def _hotline(tree: Tree, node_id: str) -> str | None:
    node = tree.nodes.get(node_id)
    return node.hotline if isinstance(node, TransferNode) else None


def _goodbye_target(tree: Tree, state: CallState, meant: flow.Understood) -> str | None:
    """A step with nothing to listen to went to a goodbye node (an option that leads there, or a
    fallback to one); ``end_call`` and other endings are the ``hangup`` fact alone."""
    node = tree.nodes.get(state.node)
    if meant.kind == "option":
        option = next((o for o in getattr(node, "options", ()) if o.key == meant.choice), None)
        if option is not None and option.target and isinstance(tree.nodes.get(option.target), GoodbyeNode):
            return option.target
    if meant.fallback:
        target = getattr(node, "fallback", None) or tree.defaults.fallback
        if target and isinstance(tree.nodes.get(target), GoodbyeNode):
            return target
    return None
