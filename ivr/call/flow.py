"""The call-flow core: "caller is at node N, attempt k, did X, at time t" → what happens next.

Plain Python over the immutable ``Tree``: no Flask, no TwiML, no clock of its own (``now`` is
a parameter). The answer is a ``Step``, a tuple of small actions (say this, listen for a key,
dial that number, record, hang up) that an adapter turns into TwiML, a test inspects
directly, or the audio build walks for texts. Moving to another node returns that node's
step at once, so a choice costs the caller one round trip, not two.

Rules a caller relies on:
- no-input and no-match are counted separately; each reprompt escalates (VoiceXML ``count``)
  and then the menu is said again; past the cap, the fallback (never a silent hang-up, never
  an endless loop: fallbacks are goodbye or transfer nodes, checked by the validator);
- the global keys work everywhere: help, back, repeat, end the call;
- speech below the confidence floor counts as "didn't catch that";
- a transfer checks the hotline's hours at that moment, and offers a message or the number
  when it is closed or does not answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from ivr.call import prompts
from ivr.call.callstate import MAX_TRAIL, CallState
from ivr.call.hours import is_open, opening_spoken
from ivr.call.speech import match, spoken_key
from ivr.menu.model import (
    GoodbyeNode,
    InfoNode,
    LanguageNode,
    LanguageOption,
    MenuNode,
    Node,
    Option,
    Route,
    TransferNode,
    Tree,
)

# --- what the caller experiences --------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """Something the caller hears, in one language (an audio file or <Say> decides the adapter)."""

    text: str
    lang: str


@dataclass(frozen=True)
class Listen:
    """Play ``prompts`` (interruptible) and wait for one key or an utterance; answers go to ``state``."""

    state: CallState
    prompts: tuple[Say, ...]
    timeout: int
    speech: bool
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transfer:
    """Ring ``hotline`` at ``number`` by ``route``; how it went comes back to ``state`` (DialCallStatus).

    What to dial, as plain data: the web layer turns a ``pstn`` route into ``<Dial><Number>`` and a
    ``sip`` route into ``<Dial><Sip>`` at the trunk the environment names. ``caller_id`` is the
    file's; ``None`` means the line's own number, which only the incoming webhook knows (``To``).
    """

    hotline: str
    route: Route
    number: str
    caller_id: str | None
    timeout: int
    state: CallState


@dataclass(frozen=True)
class Record:
    """Record a message of at most ``max_seconds``; when done, ``state`` is told."""

    max_seconds: int
    state: CallState


@dataclass(frozen=True)
class Hangup:
    pass


Action = Say | Listen | Transfer | Record | Hangup
Step = tuple[Action, ...]


@dataclass(frozen=True)
class CallerInput:
    """What Twilio reported: ``Digits``, or ``SpeechResult`` with ``Confidence``; neither is silence."""

    digits: str = ""
    speech: str = ""
    confidence: float | None = None

    @property
    def silent(self) -> bool:
        return not self.digits.strip() and not self.speech.strip()


DialStatus = Literal["completed", "answered", "busy", "no-answer", "failed", "canceled"]

# --- entry points -----------------------------------------------------------------------------


def start(tree: Tree, now: datetime) -> Step:
    """A new call: the entry node in the default language."""
    return enter(tree, CallState(tree.entry, tree.default_language), now)


def enter(tree: Tree, state: CallState, now: datetime) -> Step:
    """Arriving at ``state.node`` (or hearing it again)."""
    node = tree.nodes[state.node]
    if isinstance(node, LanguageNode):
        return (_listen(tree, state, _language_prompts(tree, node), _language_hints(node, state.lang)),)
    if isinstance(node, InfoNode):
        lang = state.lang
        said = (Say(prompts.guidance(node, lang), lang), Say(prompts.options_prompt(tree, node, lang), lang))
        return (_listen(tree, state, said, _menu_hints(tree, node, lang)),)
    if isinstance(node, MenuNode):
        return (_listen(tree, state, _menu_prompts(tree, node, state.lang), _menu_hints(tree, node, state.lang)),)
    if isinstance(node, TransferNode):
        return _enter_transfer(tree, node, state, now)
    if isinstance(node, GoodbyeNode):
        text = node.text[state.lang] if node.text else tree.message("goodbye", state.lang)
        return (Say(text, state.lang), Hangup())
    raise TypeError(f"unknown node kind: {node!r}")  # pragma: no cover - the loader only builds the above


def respond(tree: Tree, state: CallState, heard: CallerInput, now: datetime) -> Step:
    """The caller pressed a key, said something, or stayed silent while ``state`` was listening."""
    node = tree.nodes[state.node]
    if heard.silent:
        return _no_input(tree, node, state, now)
    if isinstance(node, LanguageNode):
        return _choose_language(tree, node, state, heard, now)
    choice = _understand(tree, node, state, heard)
    if choice is None:
        return _no_match(tree, node, state, now)
    return _act(tree, node, state, choice, now)


def dial_result(tree: Tree, state: CallState, status: str, now: datetime) -> Step:
    """How a transfer ended (Twilio's DialCallStatus)."""
    node = tree.nodes[state.node]
    if not isinstance(node, TransferNode) or node.hotline not in tree.hotlines:
        return enter(tree, state.fresh(), now)
    if status in ("completed", "answered"):
        return _goodbye(tree, state.lang)
    hotline = tree.hotlines[node.hotline]
    failed = replace(state.fresh(), mode="failed")
    problem = Say(prompts.dial_problem(tree, hotline, status, state.lang), state.lang)
    return (_listen(tree, failed, (problem, *_short_menu_prompts(tree, failed)), _short_menu_hints(tree, failed)),)


def transfer_unavailable(tree: Tree, state: CallState, now: datetime) -> Step:
    """The transfer at ``state`` cannot be dialled from this deployment (its route is not configured):
    the caller hears that the call did not go through, then may leave a message or hear the number.
    Never silence, never a dead end."""
    node = tree.nodes[state.node]
    if not isinstance(node, TransferNode) or node.hotline not in tree.hotlines:
        return apology(tree, state.lang, now)
    hotline = tree.hotlines[node.hotline]
    closed = replace(state.fresh(), mode="closed")
    problem = Say(prompts.dial_problem(tree, hotline, "failed", state.lang), state.lang)
    return (_listen(tree, closed, (problem, *_short_menu_prompts(tree, closed)), _short_menu_hints(tree, closed)),)


def recorded(tree: Tree, state: CallState, now: datetime) -> Step:
    """A message was left after hours: thank the caller and end the call politely."""
    return (Say(tree.message("record_thanks", state.lang), state.lang), *_goodbye(tree, state.lang))


def apology(tree: Tree, lang: str, now: datetime) -> Step:
    """Said when something unexpected went wrong while answering: sorry, then the main menu."""
    lang = lang if lang in tree.languages else tree.default_language
    step = enter(tree, CallState(tree.main_menu, lang), now)
    return (Say(tree.message("error_apology", lang), lang), *step)


# --- listening --------------------------------------------------------------------------------


def _listen(tree: Tree, state: CallState, said: tuple[Say, ...], hints: tuple[str, ...]) -> Listen:
    node = tree.nodes[state.node]
    timeout = getattr(node, "timeout", None) or tree.defaults.timeout
    return Listen(state, said, timeout, tree.defaults.speech, hints)


def _language_prompts(tree: Tree, node: LanguageNode) -> tuple[Say, ...]:
    return tuple(Say(text, lang) for text, lang in prompts.language_choices(tree, node))


def _language_hints(node: LanguageNode, lang: str) -> tuple[str, ...]:
    """Speech hints for the language choice: only words of ``lang``, the language the recogniser listens in.

    A recogniser in Mandarin cannot produce "English" (it hears 英语 or 英文), so hinting other
    languages' words there is noise; every option still matches by its words in any language.
    """
    words = [w for option in node.options for w in (option.label.get(lang), *_keywords(option, lang)) if w]
    return tuple(dict.fromkeys(words))


def _keywords(option: LanguageOption, lang: str) -> tuple[str, ...]:
    return option.keywords[lang] if option.keywords else ()


def _menu_prompts(tree: Tree, node: MenuNode, lang: str) -> tuple[Say, ...]:
    return (Say(prompts.options_prompt(tree, node, lang), lang),)


def _menu_hints(tree: Tree, node: MenuNode, lang: str) -> tuple[str, ...]:
    """Speech hints: every word that chooses an option, so the recogniser expects what the matcher accepts."""
    return tuple(dict.fromkeys(w for o in node.options for w in _choice_words(tree, ("option", o), lang)))


def _short_menu_choices(state: CallState) -> tuple[str, ...]:
    """The built-in menu of a transfer node: after hours, or after a failed dial."""
    return prompts.CLOSED_CHOICES if state.mode == "closed" else prompts.FAILED_CHOICES


def _short_menu_prompts(tree: Tree, state: CallState) -> tuple[Say, ...]:
    node = tree.nodes[state.node]
    return (Say(prompts.short_menu(tree, node, _short_menu_choices(state), state.lang), state.lang),)


def _short_menu_hints(tree: Tree, state: CallState) -> tuple[str, ...]:
    return tuple(w for c in _short_menu_choices(state) for w in _choice_words(tree, (c, None), state.lang))


def _words(tree: Tree, name: str, lang: str) -> tuple[str, ...]:
    words = tree.words.get(name)
    return words[lang] if words else ()


# --- understanding input ----------------------------------------------------------------------

# What a key or an utterance means, resolved against the node: ("option", Option) for a menu's
# own choice, or a global/short-menu action name.
Choice = tuple[str, Option | None]


def _understand(tree: Tree, node: Node, state: CallState, heard: CallerInput) -> Choice | None:
    keys = tree.defaults.keys
    local = _local_choices(tree, node, state)
    if heard.digits.strip():
        key = heard.digits.strip().rstrip("#")
        if len(key) != 1:
            return None
        if key in local:
            return local[key]
        action = keys.global_action(key)
        return (action, None) if action else None
    if heard.confidence is not None and heard.confidence < tree.defaults.min_confidence:
        return None
    all_keys = [*local, *keys.global_keys()]
    key = spoken_key(heard.speech, all_keys)
    if key is not None:
        return local.get(key) or (keys.global_action(key), None)
    candidates: list[tuple[str, Choice]] = []
    for choice in local.values():
        effect = _effect(choice)
        for word in _choice_words(tree, choice, state.lang):
            candidates.append((word, effect))
    for action in ("help", "back", "repeat", "end_call", "main"):
        if action == "end_call" and keys.end_call is None:
            continue
        candidates += [(w, (action, None)) for w in _words(tree, action, state.lang)]
    return match(heard.speech, candidates)


def _local_choices(tree: Tree, node: Node, state: CallState) -> dict[str, Choice]:
    """The keys this node offers besides the global ones."""
    if isinstance(node, MenuNode):
        return {o.key: ("option", o) for o in node.options}
    if isinstance(node, TransferNode) and state.mode:
        return {getattr(tree.defaults.keys, c): (c, None) for c in _short_menu_choices(state)}
    return {}


def _effect(choice: Choice) -> Choice:
    """What a choice does: an option whose action is "main" means the same as the global "main"
    words, so the two must not count as rival matches for one utterance."""
    _name, option = choice
    if option is not None and option.action != "goto":
        return (option.action, None)
    return choice


def _choice_words(tree: Tree, choice: Choice, lang: str) -> tuple[str, ...]:
    name, option = choice
    if option is not None:
        words = option.keywords[lang] if option.keywords else ()
        label = prompts.option_label(tree, option, lang)
        return (*words, label) if label else words
    return (tree.message(f"label_{name}", lang), *_words(tree, name, lang))


# --- acting on a choice -----------------------------------------------------------------------


def _act(tree: Tree, node: Node, state: CallState, choice: Choice, now: datetime) -> Step:
    name, option = choice
    if option is not None:
        name = option.action
        if name == "goto":
            return _go(tree, state, option.target or tree.main_menu, now)
    if name == "repeat":
        return enter(tree, state.fresh(), now)
    if name == "back":
        if not state.trail:
            return enter(tree, replace(state.fresh(), mode=""), now)
        return enter(tree, CallState(state.trail[-1], state.lang, trail=state.trail[:-1]), now)
    if name == "main":
        return enter(tree, CallState(tree.main_menu, state.lang), now)
    if name == "help":
        if tree.help is None or tree.help == state.node:
            return enter(tree, state.fresh(), now)
        return _go(tree, state, tree.help, now)
    if name == "end_call":
        return _goodbye(tree, state.lang)
    if name == "leave_message":
        record_state = replace(state.fresh(), mode="closed")
        seconds = tree.defaults.record_max_seconds
        return (
            Say(tree.message("record_prompt", state.lang, seconds=seconds), state.lang),
            Record(seconds, record_state),
            # Reached only if nothing was recorded (Twilio then goes on to the next verb).
            *_goodbye(tree, state.lang),
        )
    if name == "retry":
        return enter(tree, replace(state.fresh(), mode=""), now)
    if name == "hear_number":
        hotline = tree.hotlines[node.hotline]  # type: ignore[attr-defined]
        readout = Say(prompts.number_readout(tree, hotline, state.lang), state.lang)
        again = state.fresh()
        return (_listen(tree, again, (readout, *_short_menu_prompts(tree, again)), _short_menu_hints(tree, again)),)
    raise ValueError(f"unknown action {name!r}")  # pragma: no cover - the loader only admits the above


def _go(tree: Tree, state: CallState, target: str, now: datetime) -> Step:
    """Move to ``target``, remembering the way back (a revisit cuts the trail, so it cannot grow forever)."""
    trail = (*state.trail, state.node)
    if target in trail:
        trail = trail[: trail.index(target)]
    return enter(tree, CallState(target, state.lang, trail=trail[-MAX_TRAIL:]), now)


def _choose_language(tree: Tree, node: LanguageNode, state: CallState, heard: CallerInput, now: datetime) -> Step:
    chosen = _chosen_language(tree, node, heard)
    if chosen is None:
        return _no_match(tree, node, state, now)
    return enter(tree, CallState(node.next, chosen), now)


def _chosen_language(tree: Tree, node: LanguageNode, heard: CallerInput) -> str | None:
    chosen = None
    key = heard.digits.strip().rstrip("#")
    if key:
        chosen = next((o.language for o in node.options if o.key == key), None)
    elif heard.confidence is None or heard.confidence >= tree.defaults.min_confidence:
        words = [(w, o.language) for o in node.options for w in _language_words(o)]
        chosen = match(heard.speech, words)
        if chosen is None:
            key = spoken_key(heard.speech, [o.key for o in node.options]) or ""
            chosen = next((o.language for o in node.options if o.key == key), None)
    return chosen


def _language_words(option: LanguageOption) -> list[str]:
    words = [option.label[option.language]]
    if option.keywords:
        words += [w for lang in option.keywords.by_lang for w in option.keywords[lang]]
    return words


# --- when it does not work --------------------------------------------------------------------


def _no_input(tree: Tree, node: Node, state: CallState, now: datetime) -> Step:
    if isinstance(node, LanguageNode):
        # Silence at the language choice means "the default language, please" (most callers).
        return enter(tree, CallState(node.next, tree.default_language), now)
    if not isinstance(node, MenuNode | TransferNode):
        return enter(tree, state.fresh(), now)
    attempt = state.no_input + 1
    if attempt >= tree.defaults.max_no_input:
        return _fallback(tree, node, state, now)
    return _reprompt(tree, node, replace(state, no_input=attempt), "no_input", attempt)


def _no_match(tree: Tree, node: Node, state: CallState, now: datetime) -> Step:
    attempt = state.no_match + 1
    if isinstance(node, LanguageNode):
        if attempt >= tree.defaults.max_no_match:
            return enter(tree, CallState(node.next, tree.default_language), now)
        text = _reprompt_text(tree, node, "no_match", attempt, state.lang)
        said = (Say(text, state.lang), *_language_prompts(tree, node))
        return (_listen(tree, replace(state, no_match=attempt), said, _language_hints(node, state.lang)),)
    if attempt >= tree.defaults.max_no_match:
        return _fallback(tree, node, state, now)
    return _reprompt(tree, node, replace(state, no_match=attempt), "no_match", attempt)


def _reprompt_text(tree: Tree, node: Node, kind: Literal["no_input", "no_match"], attempt: int, lang: str) -> str:
    own = node.reprompts.pick(kind, attempt) if isinstance(node, MenuNode) else None
    text = own or tree.defaults.reprompts.pick(kind, attempt)
    return text[lang] if text else ""


def _reprompt(tree: Tree, node: Node, state: CallState, kind: Literal["no_input", "no_match"], attempt: int) -> Step:
    """Apologise (escalating with the attempt), then the menu again: for info nodes just the choices."""
    sorry = Say(_reprompt_text(tree, node, kind, attempt, state.lang), state.lang)
    if isinstance(node, TransferNode):
        return (_listen(tree, state, (sorry, *_short_menu_prompts(tree, state)), _short_menu_hints(tree, state)),)
    assert isinstance(node, MenuNode)
    said = (sorry, *_menu_prompts(tree, node, state.lang))
    return (_listen(tree, state, said, _menu_hints(tree, node, state.lang)),)


def _fallback(tree: Tree, node: Node, state: CallState, now: datetime) -> Step:
    if isinstance(node, TransferNode):
        # Out of attempts in a transfer's short menu: leave the caller the number, then part politely.
        hotline = tree.hotlines[node.hotline]
        return (Say(prompts.number_readout(tree, hotline, state.lang), state.lang), *_goodbye(tree, state.lang))
    target = getattr(node, "fallback", None) or tree.defaults.fallback
    if target is None or target not in tree.nodes:
        return _goodbye(tree, state.lang)
    return _go(tree, state, target, now)


def _goodbye(tree: Tree, lang: str) -> Step:
    return (Say(tree.message("goodbye", lang), lang), Hangup())


# --- transfers --------------------------------------------------------------------------------


def _enter_transfer(tree: Tree, node: TransferNode, state: CallState, now: datetime) -> Step:
    lang = state.lang
    hotline = tree.hotlines[node.hotline]
    if state.mode == "failed":
        return (_listen(tree, state, _short_menu_prompts(tree, state), _short_menu_hints(tree, state)),)
    if is_open(hotline.hours, now):
        return (
            Say(prompts.transfer_tip(tree, node, hotline, lang), lang),
            Say(prompts.connecting(tree, hotline, lang), lang),
            Transfer(
                hotline=hotline.id,
                route=hotline.route,
                number=hotline.number,
                caller_id=tree.transfers.caller_id,
                timeout=tree.defaults.dial_timeout,
                state=replace(state.fresh(), mode=""),
            ),
        )
    closed = replace(state.fresh(), mode="closed")
    said = [Say(prompts.closed_notice(tree, hotline, lang), lang)]
    assert hotline.hours is not None  # a hotline without hours is always open
    opening = opening_spoken(tree, hotline.hours, now, lang)
    if opening:
        said.append(Say(opening, lang))
    said += _short_menu_prompts(tree, closed)
    return (_listen(tree, closed, tuple(said), _short_menu_hints(tree, closed)),)


# --- what an input meant, for the call record ------------------------------------------------


@dataclass(frozen=True)
class Understood:
    """What ``respond`` made of an input at ``state`` (the call store records it; analytics count it).

    ``kind``: ``no_input``, ``no_match``, ``option`` (a menu's own choice; ``choice`` is its key),
    ``action`` (a global key or short-menu choice; ``choice`` is its name) or ``language``
    (``choice`` is the code). ``attempt`` counts silences / misses at this node; ``fallback``:
    the attempts ran out and the fallback follows (at a language choice: the default language)."""

    kind: Literal["no_input", "no_match", "option", "action", "language"]
    choice: str = ""
    attempt: int = 0
    fallback: bool = False


def understood(tree: Tree, state: CallState, heard: CallerInput) -> Understood:
    """The meaning ``respond`` gives ``heard`` at ``state``, by the same rules, without the next step."""
    node = tree.nodes[state.node]
    if heard.silent:
        attempt = state.no_input + 1
        if isinstance(node, LanguageNode):
            return Understood("no_input", attempt=attempt, fallback=True)
        repeats = not isinstance(node, MenuNode | TransferNode)
        return Understood("no_input", attempt=attempt, fallback=not repeats and attempt >= tree.defaults.max_no_input)
    if isinstance(node, LanguageNode):
        chosen = _chosen_language(tree, node, heard)
        if chosen is not None:
            return Understood("language", chosen)
        choice = None
    else:
        choice = _understand(tree, node, state, heard)
    if choice is None:
        attempt = state.no_match + 1
        return Understood("no_match", attempt=attempt, fallback=attempt >= tree.defaults.max_no_match)
    name, option = choice
    return Understood("option", option.key) if option is not None else Understood("action", name)
