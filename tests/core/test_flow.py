"""The call-flow core, as a caller would meet it, without Flask or TwiML."""

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ivr.call import flow
from ivr.call.callstate import CallState
from ivr.call.flow import CallerInput, Hangup, Listen, Record, Say, Transfer
from ivr.menu.loader import load_tree

EXAMPLE = Path(__file__).parents[2] / "menus" / "examples" / "minimal.yaml"
OPEN = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # Tuesday 11:00 in Shanghai: every hotline open
CLOSED = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # Tuesday 22:00 in Shanghai: JD Pay closed


@pytest.fixture(scope="module")
def tree():
    return load_tree(EXAMPLE)


def heard(step) -> str:
    texts = []
    for action in step:
        if isinstance(action, Say):
            texts.append(action.text)
        if isinstance(action, Listen):
            texts += [s.text for s in action.prompts]
    return " | ".join(texts)


def listening(step) -> CallState:
    assert isinstance(step[-1], Listen), f"expected to wait for the caller, got {step[-1]!r}"
    return step[-1].state


def press(tree, state, key, now=OPEN):
    return flow.respond(tree, state, CallerInput(digits=key), now)


def test_call_starts_with_the_language_choice_in_both_languages(tree):
    step = flow.start(tree, OPEN)
    assert "普通话服务，请按1" in heard(step) and "For English, press 2" in heard(step)
    assert {s.lang for s in step[0].prompts} == {"zh-CN", "en-US"}


def test_the_language_choice_hints_only_words_of_the_language_it_listens_in():
    """The choice listens in Mandarin: a Mandarin recogniser cannot return "English", so it is not a hint."""
    wallet = load_tree(Path(__file__).parents[2] / "menus" / "wallet.yaml")
    listen = flow.start(wallet, OPEN)[-1]
    assert listen.state.lang == "zh-CN"
    assert "英语" in listen.hints and "普通话" in listen.hints
    assert not [h for h in listen.hints if h.isascii()]  # no "English", "Chinese", "Mandarin"
    again = flow.respond(wallet, listen.state, CallerInput(speech="什么", confidence=0.9), OPEN)[-1]
    assert again.hints == listen.hints  # the reprompt after a word it did not understand hints the same
    words = flow.respond(wallet, listen.state, CallerInput(speech="English", confidence=0.9), OPEN)
    assert listening(words).lang == "en-US"  # a caller's English still chooses English if it gets through


def test_silence_at_the_language_choice_means_mandarin(tree):
    state = listening(flow.start(tree, OPEN))
    step = flow.respond(tree, state, CallerInput(), OPEN)
    assert listening(step) == CallState("main", "zh-CN")
    assert "请选择您要咨询的问题" in heard(step)


def test_keys_lead_through_menus_and_remember_the_way_back(tree):
    state = listening(press(tree, listening(flow.start(tree, OPEN)), "2"))
    assert state == CallState("main", "en-US")
    step = press(tree, state, "1")
    assert "Ask for the refund on the order page" in heard(step)
    assert listening(step).trail == ("main",)
    back = press(tree, listening(step), "*")
    assert listening(back) == CallState("main", "en-US")


def test_wrong_key_reprompts_politely_then_falls_back(tree):
    state = CallState("main", "en-US")
    step = press(tree, state, "7")
    assert heard(step).startswith("Sorry, I didn't catch that. | Please choose a topic.")
    step = press(tree, listening(step), "6")
    assert heard(step).startswith("That key is not one of the choices.")
    step = press(tree, listening(step), "5")  # third wrong key: the configured fallback
    assert isinstance(step[-1], Hangup)
    assert "Alipay's number is 9 5 1 8 8" in heard(step)


def test_silence_and_wrong_keys_are_counted_apart(tree):
    state = CallState("main", "zh-CN")
    state = listening(flow.respond(tree, state, CallerInput(), OPEN))
    state = listening(press(tree, state, "7"))
    assert (state.no_input, state.no_match) == (1, 1)
    step = flow.respond(tree, state, CallerInput(), OPEN)
    assert "请在电话键盘上按一个键" in heard(step)  # second silence: the second, firmer reprompt


def test_a_good_choice_resets_the_attempts(tree):
    state = replace(CallState("main", "zh-CN"), no_input=2, no_match=2)
    assert listening(press(tree, state, "1")).no_match == 0


def test_global_keys_work_everywhere(tree):
    info = CallState("refunds", "zh-CN", trail=("main",))
    assert listening(press(tree, info, "0")).node == "agents"  # help
    assert listening(press(tree, info, "8")) == info  # repeat
    assert "在订单页面申请退款" in heard(press(tree, info, "8"))
    ended = press(tree, info, "9")  # end the call (ISO/IEC 13714)
    assert isinstance(ended[-1], Hangup) and "再见" in heard(ended)


def test_back_at_the_top_repeats_the_menu(tree):
    assert listening(press(tree, CallState("main", "zh-CN"), "*")) == CallState("main", "zh-CN")


def test_speech_matches_keywords_in_the_callers_language(tree):
    state = CallState("main", "zh-CN")
    step = flow.respond(tree, state, CallerInput(speech="我想退款。", confidence=0.8), OPEN)
    assert listening(step).node == "refunds"
    step = flow.respond(tree, CallState("main", "en-US"), CallerInput(speech="REFUND please", confidence=0.9), OPEN)
    assert listening(step).node == "refunds"
    step = flow.respond(tree, CallState("main", "en-US"), CallerInput(speech="two", confidence=0.9), OPEN)
    assert listening(step).no_match == 1  # not a keyword
    step = flow.respond(tree, CallState("main", "en-US"), CallerInput(speech="2", confidence=0.9), OPEN)
    assert listening(step).node == "agents"  # a spoken key counts as the key


def test_low_confidence_speech_is_a_no_match(tree):
    step = flow.respond(tree, CallState("main", "en-US"), CallerInput(speech="refund", confidence=0.2), OPEN)
    assert listening(step).no_match == 1
    assert heard(step).startswith("Sorry, I didn't catch that.")


def test_open_hotline_gets_a_tip_then_a_dial(tree):
    step = flow.enter(tree, CallState("to_jdpay", "en-US", trail=("main", "agents")), OPEN)
    assert heard(step) == "Please have your order number ready. | Connecting you to JD Pay. Please hold."
    dial = step[-1]
    assert isinstance(dial, Transfer) and dial.number == "4006065500" and dial.timeout == 30
    assert (dial.hotline, dial.route, dial.caller_id) == ("jdpay", "sip", None)  # None: the line's own number


def test_a_transfer_carries_the_hotlines_own_route_and_the_files_caller_id(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    jdpay = '    number: "400-606-5500"\n    # route: pstn '
    text = text.replace(jdpay, '    number: "+1 212 555 0123"\n    route: pstn #')
    text = text.replace('  # caller_id: "+1 415 555 0100"', '  caller_id: "+1 415 555 0100"')
    path = tmp_path / "menu.yaml"
    path.write_text(text, encoding="utf-8")
    edited = load_tree(path)
    jd = flow.enter(edited, CallState("to_jdpay", "en-US", trail=("main", "agents")), OPEN)[-1]
    alipay = flow.enter(edited, CallState("to_alipay", "en-US", trail=("main", "agents")), OPEN)[-1]
    assert (jd.route, jd.number, jd.caller_id) == ("pstn", "+12125550123", "+14155550100")  # spaces dropped
    assert (alipay.route, alipay.number, alipay.caller_id) == ("sip", "95188", "+14155550100")


def test_a_transfer_that_cannot_be_dialled_apologises_and_offers_a_message_or_the_number(tree):
    state = CallState("to_jdpay", "en-US", trail=("main", "agents"))
    step = flow.transfer_unavailable(tree, state, OPEN)
    assert heard(step).startswith("Sorry, the call to JD Pay did not go through. | To leave a message, press 1.")
    assert not any(isinstance(a, Transfer | Hangup) for a in step)
    waiting = listening(step)
    assert waiting.mode == "closed"
    assert "The number for JD Pay is: 4 0 0, 6 0 6, 5 5 0 0." in heard(press(tree, waiting, "2"))
    assert isinstance(press(tree, waiting, "1")[1], Record)


def test_closed_hotline_says_its_hours_and_offers_a_message(tree):
    step = flow.enter(tree, CallState("to_jdpay", "zh-CN", trail=("main", "agents")), CLOSED)
    said = heard(step)
    assert "京东支付现在不在服务时间" in said and "周一至周五9点到18点" in said
    assert "下次开放时间是明天9点" in said and "留言，请按1" in said
    state = listening(step)
    assert state.mode == "closed"
    record = press(tree, state, "1", CLOSED)
    assert isinstance(record[1], Record) and record[1].max_seconds == 120
    thanks = flow.recorded(tree, record[1].state, CLOSED)
    assert "谢谢您的留言" in heard(thanks) and isinstance(thanks[-1], Hangup)


def test_closed_hotline_back_returns_to_the_wallet_menu(tree):
    state = listening(flow.enter(tree, CallState("to_jdpay", "zh-CN", trail=("main", "agents")), CLOSED))
    assert listening(press(tree, state, "*", CLOSED)) == CallState("agents", "zh-CN", trail=("main",))


@pytest.mark.parametrize(
    ("status", "said"),
    [("busy", "JD Pay is busy."), ("no-answer", "JD Pay did not answer."), ("failed", "did not go through")],
)
def test_failed_transfer_says_why_and_offers_retry_or_the_number(tree, status, said):
    state = CallState("to_jdpay", "en-US", trail=("main", "agents"))
    step = flow.dial_result(tree, state, status, OPEN)
    assert said in heard(step) and "To try again, press 1" in heard(step)
    failed = listening(step)
    assert isinstance(flow.respond(tree, failed, CallerInput(digits="1"), OPEN)[-1], Transfer)
    number = press(tree, failed, "2")
    assert "The number for JD Pay is: 4 0 0, 6 0 6, 5 5 0 0." in heard(number)


def test_completed_transfer_says_goodbye(tree):
    step = flow.dial_result(tree, CallState("to_jdpay", "en-US"), "completed", OPEN)
    assert heard(step) == "Thank you for calling. Goodbye." and isinstance(step[-1], Hangup)


def test_silence_in_a_short_menu_ends_with_the_number_not_a_loop(tree):
    state = listening(flow.dial_result(tree, CallState("to_jdpay", "en-US"), "busy", OPEN))
    for _ in range(tree.defaults.max_no_input - 1):
        state = listening(flow.respond(tree, state, CallerInput(), OPEN))
    step = flow.respond(tree, state, CallerInput(), OPEN)
    assert "The number for JD Pay is" in heard(step) and isinstance(step[-1], Hangup)


def test_revisiting_a_node_cuts_the_trail(tree):
    state = CallState("agents", "zh-CN", trail=("main", "refunds"))
    step = press(tree, state, "*")
    assert listening(step) == CallState("refunds", "zh-CN", trail=("main",))
    # help from inside agents' own trail: going to a node already on the trail cuts back to it
    step = press(tree, CallState("refunds", "zh-CN", trail=("main", "agents")), "0")
    assert listening(step).trail == ("main",)


def test_an_option_keyword_that_is_also_a_global_word_still_works(tree):
    # refunds' key 3 is "main menu"; "主菜单" is also a global word for the main menu: same effect, no tie
    from ivr.menu.model import Words

    refunds = tree.nodes["refunds"]
    option = replace(refunds.options[2], keywords=Words({"zh-CN": ("主菜单",)}, refunds.source))
    nodes = {**tree.nodes, "refunds": replace(refunds, options=(*refunds.options[:2], option))}
    patched = replace(tree, nodes=nodes)
    step = flow.respond(patched, CallState("refunds", "zh-CN"), CallerInput(speech="回主菜单", confidence=0.9), OPEN)
    assert listening(step) == CallState("main", "zh-CN")


# --- which keys a menu announces ----------------------------------------------------------------
# Every key works in every menu; a menu names only those that lead somewhere new (issue 11).


def test_the_main_menu_announces_no_back_key_but_star_still_says_the_menu_again(tree):
    main = CallState("main", "en-US")
    said = heard(flow.enter(tree, main, OPEN))
    assert "To go back" not in said and "press star" not in said
    assert "返回上一级" not in heard(flow.enter(tree, CallState("main", "zh-CN"), OPEN))
    again = press(tree, main, "*")
    assert listening(again).node == "main" and heard(again) == said


def test_a_global_key_that_duplicates_an_option_is_not_announced_but_still_works(tree):
    # main's option 2 leads to the help node, so "For help, press 0" would be a second key for one place
    main = CallState("main", "en-US")
    assert heard(flow.enter(tree, main, OPEN)) == (
        "Please choose a topic. For refunds, press 1. For a wallet's customer service, press 2. "
        "To hear this again, press 8."
    )
    assert heard(flow.enter(tree, CallState("main", "zh-CN"), OPEN)) == (
        "请选择您要咨询的问题。退款，请按1。联系钱包客服，请按2。重听，请按8。"
    )
    assert listening(press(tree, main, "0")).node == "agents"


def test_after_guidance_only_the_new_places_are_announced(tree):
    # refunds offers repeat (1) and the main menu (3) itself: the global repeat would say the same, and
    # back returns to main, where refunds is reached from: both are left out, both still work
    refunds = listening(press(tree, CallState("main", "en-US"), "1"))
    assert heard(flow.enter(tree, refunds, OPEN)).endswith(
        "To hear this again, press 1. For Alipay support, press 2. For the main menu, press 3. For help, press 0."
    )
    assert listening(press(tree, refunds, "8")).node == "refunds"
    assert listening(press(tree, refunds, "*")).node == "main"


def test_the_help_node_does_not_offer_help_again_but_offers_the_way_back(tree):
    agents = listening(press(tree, CallState("main", "en-US"), "2"))
    said = heard(flow.enter(tree, agents, OPEN))
    assert said.endswith("To hear this again, press 8. To go back, press star.")
    assert listening(press(tree, agents, "0")).node == "agents"


def test_a_closed_hotline_from_the_help_node_offers_back_once(tree):
    agents = listening(press(tree, CallState("main", "en-US"), "2"))
    closed = press(tree, agents, "2", CLOSED)  # JD Pay, reached from agents: back and help lead there alike
    assert heard(closed).endswith(
        "To leave a message, press 1. To hear the number, press 2. To hear this again, press 8. To go back, press star."
    )
    assert listening(press(tree, listening(closed), "0", CLOSED)).node == "agents"
