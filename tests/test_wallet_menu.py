"""The shipped menu, menus/wallet.yaml, as callers meet it.

Every support topic and hotline named in the four seed articles must be reachable by key
presses in both languages, numbers must be the articles' numbers, menus short, prompts short
enough to follow, and the after-hours path must really exist. Calls are driven through the
call-flow core (``ivr.call.flow``), so these tests check what a caller hears and where they land,
not how the file happens to be written.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ivr.call import flow
from ivr.call.callstate import CallState
from ivr.call.flow import CallerInput, Hangup, Listen, Say, Transfer
from ivr.call.hours import is_open
from ivr.call.prompts import (
    guidance,
    key_spoken,
    language_choices,
    number_spoken,
    option_label,
    options_prompt,
    speaking_seconds,
)
from ivr.call.utterances import all_utterances
from ivr.menu.choices import announced
from ivr.menu.loader import check_file
from ivr.menu.model import InfoNode, LanguageNode, MenuNode, TransferNode, Tree

MENU = Path(__file__).resolve().parents[1] / "menus" / "wallet.yaml"
LANGS = ("zh-CN", "en-US")
SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY_10AM = datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)  # an ordinary weekday morning
SUNDAY_10AM = datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI)
SATURDAY_NOON = datetime(2026, 12, 5, 12, 0, tzinfo=SHANGHAI)
SPRING_FESTIVAL_NOON = datetime(2027, 2, 6, 12, 0, tzinfo=SHANGHAI)  # 正月初一 2027, a Saturday
LONGEST_SECONDS = 30.0
MAX_OPTIONS = 5  # with the global keys heard, at most 7 choices

# Every topic the seed articles name, and the node that answers it.
TOPICS = {
    "login failure": "login_failed",
    "account locked": "account_locked",
    "stolen account recovery": "stolen_account",
    "changing the bound phone number": "change_phone",
    "changing personal details": "personal_details",
    "cancelling the service": "cancel_service",
    "payment failed / charged but not received": "payment_failed",
    "top-up failed": "topup_failed",
    "unbinding a bank card": "unbind_card",
    "fees": "fees",
    "refunds": "refunds",
    "transaction disputes": "disputes",
    "fines and debts": "fines_debts",
    "account security": "account_security",
    "privacy": "privacy",
    "balance and transaction records": "balance_records",
    "promotions": "promotions",
    "technical faults (app crashes)": "app_crash",
    "bank cards (number on the back of the card)": "bank_cards",
}

# The numbers as the articles print them. WeChat Pay: the articles disagree (400-670-1000 / 95017);
# the menu uses 95017, see the comment at its hotline entry.
HOTLINE_NUMBERS = {
    "alipay": "95188",
    "wechatpay": "95017",
    "jdpay": "400-606-5500",
    "applepay": "400-666-8800",
    "baiduwallet": "400-600-0111",
}

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def digits(number: str) -> str:
    return re.sub(r"\D", "", number)


# --- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def checked():
    return check_file(MENU)


@pytest.fixture(scope="module")
def tree(checked) -> Tree:
    loaded, diagnostics = checked
    assert loaded is not None and not diagnostics, "\n".join(map(str, diagnostics))
    return loaded


@pytest.fixture(scope="module")
def key_paths(tree) -> dict[str, tuple[str, ...]]:
    """The shortest key presses from the main menu to every node reachable through menu options
    (and the help key, which leads to the wallets' customer service from anywhere)."""
    paths: dict[str, tuple[str, ...]] = {tree.main_menu: (), tree.help: (tree.defaults.keys.help,)}
    queue = deque([tree.main_menu, tree.help])
    while queue:
        node = tree.nodes[queue.popleft()]
        if not isinstance(node, MenuNode):
            continue
        for option in node.options:
            if option.action == "goto" and option.target not in paths:
                paths[option.target] = (*paths[node.id], option.key)
                queue.append(option.target)
    return paths


def language_key(tree: Tree, lang: str) -> str:
    entry = tree.nodes[tree.entry]
    assert isinstance(entry, LanguageNode)
    return next(o.key for o in entry.options if o.language == lang)


def said(step) -> list[Say]:
    out: list[Say] = []
    for action in step:
        if isinstance(action, Say):
            out.append(action)
        elif isinstance(action, Listen):
            out += list(action.prompts)
    return out


def landing(step) -> tuple[str, ...]:
    """Where a step leaves the caller: waiting at a node, ringing a hotline, or hung up. Being asked
    again after a misunderstanding is not the same as choosing: it lands with a failed attempt."""
    for action in step:
        if isinstance(action, Listen):
            state = action.state
            if state.no_match or state.no_input:
                return ("asked again at", state.node, state.no_input, state.no_match)
            return ("at", state.node, state.mode)
        if isinstance(action, Transfer):
            return ("dialing", action.number)
        if isinstance(action, Hangup):
            return ("hung up",)
    raise AssertionError(f"step does nothing a caller would notice: {step!r}")


def state_of(step) -> CallState:
    listen = next((a for a in step if isinstance(a, Listen)), None)
    assert listen is not None, f"expected the line to wait for the caller, got {step!r}"
    return listen.state


def call(tree: Tree, lang: str, keys: tuple[str, ...], now: datetime = WEDNESDAY_10AM) -> list[tuple]:
    """Dial in, choose ``lang`` and press ``keys``; return every step heard on the way."""
    steps = [flow.start(tree, now)]
    for key in (language_key(tree, lang), *keys):
        steps.append(flow.respond(tree, state_of(steps[-1]), CallerInput(digits=key), now))
    return steps


def in_language(text: str, lang: str) -> bool:
    if lang == "zh-CN":  # Chinese voice: Chinese characters, and no Latin letters for it to spell out
        return bool(_CJK.search(text)) and not _LATIN.search(text)
    return not _CJK.search(text) and bool(_LATIN.search(text))


# --- the file ---------------------------------------------------------------------------------


def test_shipped_menu_loads_with_no_errors_and_no_warnings(checked):
    loaded, diagnostics = checked
    assert loaded is not None
    assert [str(d) for d in diagnostics] == []


def test_every_topic_has_its_own_guidance_node(tree):
    nodes = list(TOPICS.values())
    assert len(set(nodes)) == len(nodes), "two topics share one node"
    for topic, node_id in TOPICS.items():
        assert isinstance(tree.nodes.get(node_id), InfoNode), f"{topic}: '{node_id}' is not guidance"


# --- reaching things by keys ------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_is_reachable_by_keys_and_heard_in_the_callers_language(tree, key_paths, topic, lang):
    node_id = TOPICS[topic]
    assert node_id in key_paths, f"{topic}: no key path from the main menu"
    steps = call(tree, lang, key_paths[node_id])
    assert landing(steps[-1]) == ("at", node_id, "")
    node = tree.nodes[node_id]
    assert said(steps[-1])[0].text == guidance(node, lang), "the guidance is said first"
    for step in steps[1:]:  # after the language choice, everything is in the caller's language
        for say in said(step):
            assert say.lang == lang and in_language(say.text, lang), say


def test_nodes_on_every_path_are_written_in_both_languages(tree, key_paths):
    for node_id in key_paths:
        node = tree.nodes[node_id]
        texts = [node.title, getattr(node, "prompt", None), getattr(node, "text", None), getattr(node, "tip", None)]
        texts += [o.label for o in getattr(node, "options", ()) if getattr(o, "label", None)]
        assert node.title is not None, f"'{node_id}' has no title"
        for text in filter(None, texts):
            for lang in LANGS:
                assert text.get(lang).strip(), f"'{node_id}' has no {lang} text at line {text.source.line}"


@pytest.mark.parametrize("hotline_id", HOTLINE_NUMBERS)
@pytest.mark.parametrize("lang", LANGS)
def test_every_hotline_is_reachable_by_keys_and_dials_the_articles_number(tree, key_paths, hotline_id, lang):
    transfers = [n.id for n in tree.nodes.values() if isinstance(n, TransferNode) and n.hotline == hotline_id]
    reachable = [t for t in transfers if t in key_paths]
    assert reachable, f"no transfer to '{hotline_id}' can be reached by keys"
    steps = call(tree, lang, key_paths[reachable[0]], now=WEDNESDAY_10AM)
    assert landing(steps[-1]) == ("dialing", digits(HOTLINE_NUMBERS[hotline_id]))
    for say in said(steps[-1]):
        assert in_language(say.text, lang), say


@pytest.mark.parametrize("hotline_id", HOTLINE_NUMBERS)
@pytest.mark.parametrize("lang", LANGS)
def test_numbers_are_read_out_digit_by_digit(tree, hotline_id, lang):
    spoken = number_spoken(tree.hotlines[hotline_id], lang)
    assert digits(spoken) == digits(HOTLINE_NUMBERS[hotline_id])
    assert not re.search(r"\d\d", spoken), f"'{spoken}' would be read as a quantity"


def test_the_help_key_leads_to_every_wallets_customer_service(tree, key_paths):
    deep = key_paths[TOPICS["refunds"]]
    step = call(tree, "zh-CN", (*deep, tree.defaults.keys.help))[-1]
    assert landing(step) == ("at", tree.help, "")
    wallet_list = tree.nodes[tree.help]
    hotlines = {
        tree.nodes[o.target].hotline for o in wallet_list.options if isinstance(tree.nodes[o.target], TransferNode)
    }
    assert hotlines == set(HOTLINE_NUMBERS)


def test_bank_card_guidance_points_to_the_back_of_the_card(tree):
    text = tree.nodes[TOPICS["bank cards (number on the back of the card)"]].text
    assert "背面" in text["zh-CN"]
    assert "back of" in text["en-US"]


# --- what an info node offers next ------------------------------------------------------------


def info_nodes_of(tree: Tree, node_id: str) -> list[str]:
    """A topic's guidance nodes: its short answer, then the rest ("1 for the steps") as far as it goes."""
    chain = [node_id]
    while True:
        node = tree.nodes[chain[-1]]
        more = [o.target for o in node.options if o.action == "goto" and isinstance(tree.nodes[o.target], InfoNode)]
        if not more or more[0] in chain:
            return chain
        chain.append(more[0])


@pytest.mark.parametrize("topic", TOPICS)
def test_after_guidance_the_caller_hears_one_way_on_then_repeat_back_and_customer_service(tree, key_paths, topic):
    """After guidance a caller hears at most one option (the rest of the topic, or the main menu), then
    the global keys: hearing it again, back, and customer service (the help key), which no option repeats."""
    keys = tree.defaults.keys
    for node_id in info_nodes_of(tree, TOPICS[topic]):
        node = tree.nodes[node_id]
        path = key_paths[node_id]
        steps = call(tree, "en-US", path)
        here = state_of(steps[-1])
        assert len(node.options) == 1, f"{node_id} offers {len(node.options)} ways on after its guidance"
        (way_on,) = node.options
        assert way_on.action in ("goto", "main"), f"{node_id}: option {way_on.key} is '{way_on.action}'"
        assert way_on.target != tree.help, f"{node_id}: option {way_on.key} repeats the help key"

        followup = said(steps[-1])[-1].text
        for heard in (f"Press {keys.repeat} to repeat.", "Press star to go back.", f"Press {keys.help} for support."):
            assert heard in followup, f"{node_id}: '{heard}' is not announced after the guidance"
        again = flow.respond(tree, here, CallerInput(digits=keys.repeat), WEDNESDAY_10AM)
        assert landing(again) == ("at", node_id, "") and said(again)[0].text == guidance(node, "en-US")

        on = landing(flow.respond(tree, here, CallerInput(digits=way_on.key), WEDNESDAY_10AM))
        assert on == ("at", tree.main_menu if way_on.action == "main" else way_on.target, "")

        service = flow.respond(tree, here, CallerInput(digits=keys.help), WEDNESDAY_10AM)
        assert landing(service) == ("at", tree.help, "")

        back = flow.respond(tree, here, CallerInput(digits=keys.back), WEDNESDAY_10AM)
        parent = call(tree, "en-US", path[:-1])[-1]
        assert landing(back) == landing(parent), "back (*) returns to where the caller came from"


def test_a_long_topic_is_split_so_each_part_is_short_and_the_rest_is_one_key_away(tree, key_paths):
    split = {t: info_nodes_of(tree, n) for t, n in TOPICS.items() if len(info_nodes_of(tree, n)) > 1}
    assert len(split) >= 8, "the long topics (refunds, payments, security …) are split"
    for topic, chain in split.items():
        for first, rest in pairwise(chain):
            assert key_paths[rest] == (*key_paths[first], "1"), f"{topic}: '{rest}' is not 1 after '{first}'"


# --- speech -----------------------------------------------------------------------------------


def test_saying_a_choice_does_the_same_as_pressing_its_key(tree, key_paths):
    """What a caller may say: an option's keywords, the label they just heard, or a global word.
    Matching takes Chinese words as substrings and English as whole words; the longest wins and a
    tie between two choices chooses nothing, so a word that collides with another is silently lost."""
    keys = tree.defaults.keys
    checked = 0
    for node_id in key_paths:
        node = tree.nodes[node_id]
        if not isinstance(node, MenuNode):
            continue
        for lang in LANGS:
            here = CallState(node_id, lang)
            sayings = [
                (o.key, [*(o.keywords[lang] if o.keywords else ()), option_label(tree, o, lang)]) for o in node.options
            ]
            sayings += [(getattr(keys, a), tree.words[a][lang]) for a in ("help", "back", "repeat", "end_call")]
            for key, words in sayings:
                pressed = landing(flow.respond(tree, here, CallerInput(digits=key), WEDNESDAY_10AM))
                for word in words:
                    heard = CallerInput(speech=word, confidence=0.9)
                    spoken = landing(flow.respond(tree, here, heard, WEDNESDAY_10AM))
                    assert spoken == pressed, f"{node_id}: saying '{word}' ({lang}) does not do what key {key} does"
                    checked += 1
    assert checked > 300


@pytest.mark.parametrize(
    ("lang", "utterance", "destination"),
    [
        ("zh-CN", "我登录不上了", "account"),
        ("zh-CN", "我的账户被盗了", "security"),
        ("zh-CN", "钱扣了但是没到账", "payments"),
        ("zh-CN", "我想申请退款", "payments"),
        ("zh-CN", "手续费怎么收", "money"),
        ("zh-CN", "转人工", "agents"),
        ("zh-CN", "京东支付", "agents"),
        ("en-US", "I can't log in", "account"),
        ("en-US", "My account was hacked", "security"),
        ("en-US", "I want a refund", "payments"),
        ("en-US", "What are the fees?", "money"),
        ("en-US", "JD Pay please", "agents"),
        ("en-US", "Agent!", "agents"),
    ],
)
def test_what_callers_actually_say_at_the_main_menu(tree, lang, utterance, destination):
    here = CallState(tree.main_menu, lang)
    step = flow.respond(tree, here, CallerInput(speech=utterance, confidence=0.9), WEDNESDAY_10AM)
    assert landing(step) == ("at", destination, "")


def test_every_choice_has_several_keywords_in_both_languages(tree, key_paths):
    for node_id in key_paths:
        node = tree.nodes[node_id]
        for option in getattr(node, "options", ()):
            if option.action != "goto":
                continue
            for lang in LANGS:
                words = option.keywords[lang] if option.keywords else ()
                assert len(words) >= 2, f"{node_id} key {option.key} has too few {lang} keywords"


# --- listening effort ---------------------------------------------------------------------------


def test_no_menu_offers_more_than_six_options(tree):
    for node in tree.nodes.values():
        if isinstance(node, MenuNode | LanguageNode):
            assert len(node.options) <= MAX_OPTIONS, f"'{node.id}' offers {len(node.options)} options"


@pytest.mark.parametrize("lang", LANGS)
def test_every_prompt_and_guidance_takes_under_30_seconds(tree, lang):
    for node in tree.nodes.values():
        if isinstance(node, MenuNode):
            seconds = speaking_seconds(options_prompt(tree, node, lang))
            assert seconds < LONGEST_SECONDS, f"'{node.id}' menu takes {seconds:.0f} s in {lang}"
        if isinstance(node, InfoNode):
            seconds = speaking_seconds(guidance(node, lang))
            assert seconds < LONGEST_SECONDS, f"'{node.id}' guidance takes {seconds:.0f} s in {lang}"
    for utterance in all_utterances(tree):  # tips, number read-outs, hours, goodbye, reprompts …
        if utterance.lang == lang:
            assert speaking_seconds(utterance.text) < LONGEST_SECONDS, utterance.text


def test_the_language_choice_is_short_and_each_language_is_offered_in_itself(tree):
    choices = language_choices(tree, tree.nodes[tree.entry])
    assert sum(speaking_seconds(text) for text, _ in choices) < LONGEST_SECONDS
    for text, lang in choices:
        assert in_language(text, lang), text


@pytest.mark.parametrize("lang", LANGS)
def test_everything_the_line_can_say_is_in_the_right_language(tree, lang):
    texts = [u.text for u in all_utterances(tree) if u.lang == lang]
    assert len(texts) > 100
    wrong = [t for t in texts if not in_language(t, lang)]
    assert wrong == []


# --- silence and mistakes -----------------------------------------------------------------------


def test_silence_at_the_language_choice_means_mandarin(tree):
    step = flow.respond(tree, state_of(flow.start(tree, WEDNESDAY_10AM)), CallerInput(), WEDNESDAY_10AM)
    assert landing(step) == ("at", tree.main_menu, "")
    assert state_of(step).lang == "zh-CN"


@pytest.mark.parametrize("kind", ["no_input", "no_match"])
@pytest.mark.parametrize("lang", LANGS)
def test_reprompts_escalate_then_the_caller_hears_the_main_numbers(tree, kind, lang):
    heard = CallerInput() if kind == "no_input" else CallerInput(digits="7")
    step = call(tree, lang, ())[-1]
    apologies = []
    for _ in range(10):
        step = flow.respond(tree, state_of(step), heard, WEDNESDAY_10AM)
        if landing(step) == ("hung up",):
            break
        apologies.append(said(step)[0].text)
    configured = [text[lang] for text in getattr(tree.defaults.reprompts, kind)]
    assert len(configured) >= 2, "at least two escalating reprompts"
    assert apologies == configured, "each attempt gets the next, more helpful text, and none is dead"
    farewell = " ".join(s.text for s in said(step))
    assert landing(step) == ("hung up",)
    for number in ("95188", "95017"):
        assert " ".join(number) in farewell, f"the goodbye reads {number} digit by digit"


# --- opening hours --------------------------------------------------------------------------------


def test_some_hotline_closes_during_an_ordinary_week(tree):
    week = [datetime(2026, 11, 30, tzinfo=SHANGHAI) + timedelta(hours=h) for h in range(7 * 24)]
    closed = {h.id for h in tree.hotlines.values() for at in week if not is_open(h.hours, at)}
    assert closed, "no hotline ever closes: the after-hours path is never taken"
    always = [h.id for h in tree.hotlines.values() if all(is_open(h.hours, at) for at in week)]
    assert always, "at night nobody answers at all"


@pytest.mark.parametrize("lang", LANGS)
def test_a_closed_hotline_says_its_hours_and_offers_a_message_or_the_number(tree, key_paths, lang):
    closed = [
        n
        for n in tree.nodes.values()
        if isinstance(n, TransferNode) and not is_open(tree.hotlines[n.hotline].hours, SUNDAY_10AM)
    ]
    assert closed, "every hotline answers on Sunday morning"
    step = call(tree, lang, key_paths[closed[0].id], now=SUNDAY_10AM)[-1]
    assert landing(step) == ("at", closed[0].id, "closed")
    assert not any(isinstance(a, Transfer) for a in step)
    heard = " ".join(s.text for s in said(step))
    assert tree.hotlines[closed[0].hotline].name[lang] in heard
    keys = tree.defaults.keys
    number = flow.respond(tree, state_of(step), CallerInput(digits=keys.hear_number), SUNDAY_10AM)
    assert digits(HOTLINE_NUMBERS[closed[0].hotline]) in digits(" ".join(s.text for s in said(number)))


def test_spring_festival_closes_lines_that_open_on_an_ordinary_saturday(tree):
    holiday_closed = {
        h.id
        for h in tree.hotlines.values()
        if is_open(h.hours, SATURDAY_NOON) and not is_open(h.hours, SPRING_FESTIVAL_NOON)
    }
    assert holiday_closed, "the 2027 Spring Festival dates change nothing"
    assert any(is_open(h.hours, SPRING_FESTIVAL_NOON) for h in tree.hotlines.values()), "nobody answers at all"


# --- what each menu announces (issue 11) --------------------------------------------------------


def test_no_announced_key_leads_where_another_announced_key_already_leads(tree):
    for node in tree.nodes.values():
        if isinstance(node, MenuNode):
            places = [c.leads_to for c in announced(tree, node)]
            assert len(places) == len(set(places)), f"{node.id}: two announced keys for one place: {places}"
            assert len(places) <= 7, f"{node.id} announces {len(places)} choices"


def test_the_main_menu_announces_no_back_and_american_callers_hear_pound(tree):
    back = tree.defaults.keys.back
    assert back not in [c.key for c in announced(tree, tree.nodes[tree.main_menu])]
    assert key_spoken(tree, "#", "en-US") == "pound" and key_spoken(tree, "*", "en-US") == "star"
    assert "pound" in tree.message("record_prompt", "en-US", seconds=60) and "hash" not in str(tree.messages)
