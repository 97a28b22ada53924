"""The phone page in real Chromium, over real HTTP, calling the shipped wallet line with real sound.

Each test finds its keys in the menu (``console_support.keys_to``), never hard-codes a deep path, and
ends by comparing the page's transcript with the one ``ivr simulate --script`` gives for the same moves
(times and barge-in marks aside: a person at the page cuts prompts short, a script listens to all).
Keys are pressed while prompts play (barge-in), so a test does not wait through every prompt.
Set ``IVR_PHONE_SCREENSHOT=docs/phone.png`` to keep a screenshot of the first test's page.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from console_support import keys_to, language_key, moves_only, serving, transcript_lines
from flask import Flask, Response

from ivr.call.checks import load_menu
from ivr.coverage.moments import choose_moments
from ivr.menu.model import InfoNode, TransferNode
from ivr.web import create_app
from ivr.web.console.messages import translate

MENU = "menus/wallet.yaml"
TRUNK = {"SIP_TRUNK_HOST": "trunk.example.com"}  # the wallet line dials its hotlines through a SIP trunk
ZONE = "Asia/Shanghai"  # the browser's time zone: "Call at" is read in it
_SEEN = "Array.from(document.querySelectorAll('#transcript li')).some(l => l.textContent.includes('%s'))"
TIMEOUT_MS = 60_000  # a first render of a long Mandarin prompt takes a few seconds on a busy machine


@pytest.fixture(scope="module")
def tree():
    return load_menu(MENU)


@pytest.fixture
def phone(chromium):
    app = create_app({"USE_AUDIO": "false", "MENU_FILE": MENU, **TRUNK})
    with serving(app) as base:
        context = chromium.new_context(locale="en-US", timezone_id=ZONE, viewport={"width": 1360, "height": 1000})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{base}/console/phone")
        try:
            yield page, errors
        finally:
            app.extensions["ivr"]["phone_calls"].shutdown()
            context.close()


def _lines(page) -> list[str]:
    return page.locator("#transcript li").all_inner_texts()


def _playing(page) -> None:
    """Wait until a prompt really sounds: the <audio> element's time moves."""
    page.wait_for_selector("#phone[data-playing='true']")
    page.wait_for_function("document.getElementById('line-audio').currentTime > 0.2")


def _barge(page, keys: str) -> None:
    """Press each key while the line is speaking (a barge-in), waiting for the next prompt in between."""
    for key in keys:
        _playing(page)
        count = len(_lines(page))
        page.get_by_role("button", name=key, exact=True).click()
        page.wait_for_function(f"document.querySelectorAll('#transcript li').length > {count + 1}")


def _cli_lines(script: str, at: str | None = None) -> list[str]:
    """The transcript ``ivr simulate --text --script`` gives (through its ``--transcript`` JSON)."""
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"ivr-phone-{os.getpid()}-{abs(hash(script))}.json"
    command = [sys.executable, "-m", "ivr.cli", "simulate", "--text", "--menu", MENU, "--script", script]
    if at:
        command += ["--at", at]
    env = {**os.environ, **TRUNK}
    subprocess.run([*command, "--transcript", str(out)], capture_output=True, check=False, timeout=120, env=env)
    try:
        return transcript_lines(json.loads(out.read_text(encoding="utf-8"))["events"])
    finally:
        out.unlink(missing_ok=True)


def _set_clock(page, at: datetime) -> None:
    local = at.astimezone(ZoneInfo(ZONE))
    page.get_by_label("Call at").fill(local.strftime("%Y-%m-%dT%H:%M"))


def test_press_through_to_the_refund_guidance_hear_it_and_barge_in(phone, tree):
    page, errors = phone
    zh = language_key(tree, "zh-CN")
    keys, refunds = keys_to(tree, lambda n: isinstance(n, InfoNode) and "退款" in n.title.get("zh-CN"))
    page.get_by_role("button", name="Call", exact=True).click()
    page.get_by_role("button", name="Hang up").wait_for()  # the call is placed
    _barge(page, zh + keys)

    # The guidance itself sounds: the line being heard is the topic's text, and its audio advances.
    page.wait_for_function("document.getElementById('line-audio').currentTime > 1.0")
    heard = page.locator("#phone").get_attribute("data-sound-event")
    line = page.locator(f"#transcript li[data-index='{heard}']").inner_text()
    assert refunds.text.get("zh-CN") in line
    assert page.locator("#now-at").inner_text().startswith(refunds.id)
    assert page.locator("#diagram g.node.current title").text_content() == refunds.id
    before = page.evaluate("document.getElementById('line-audio').currentTime")
    page.wait_for_function(f"document.getElementById('line-audio').currentTime > {before + 0.5}")
    if os.environ.get("IVR_PHONE_SCREENSHOT"):
        page.set_viewport_size({"width": 1360, "height": 1480})
        page.evaluate("document.getElementById('transcript').scrollTop = 1e6")
        page.screenshot(path=os.environ["IVR_PHONE_SCREENSHOT"])

    # Barge in on the guidance with the repeat key: that prompt is cut, the guidance starts again.
    repeat = tree.defaults.keys.repeat
    page.get_by_role("button", name=repeat, exact=True).click()
    page.wait_for_function(
        f"document.querySelector(\"#transcript li[data-index='{heard}']\").textContent.includes('(interrupted)')"
    )
    assert "CALLER pressed " + repeat + " (barging in)" in "\n".join(_lines(page))
    _playing(page)

    page.get_by_role("button", name="Hang up").click()
    page.wait_for_selector("#phone[data-wait='ended']")
    assert page.get_by_role("button", name="Call", exact=True).is_visible()
    assert moves_only(_lines(page)) == moves_only(_cli_lines(" ".join(zh + keys + repeat)))
    assert page.locator("#problems li.error").count() == 0
    assert errors == []


def test_a_transfer_that_is_busy_then_skip_the_wait(phone, tree):
    page, errors = phone
    zh = language_key(tree, "zh-CN")
    moment = choose_moments(tree)[0]  # the instant most hotlines are open
    keys, transfer = keys_to(tree, lambda n: isinstance(n, TransferNode) and n.hotline in moment.open)
    _set_clock(page, moment.at)
    page.get_by_role("button", name="Call", exact=True).click()
    _barge(page, zh + keys)
    page.wait_for_selector("#phone[data-wait='dial'][data-playing='false']")  # after the tip: ringing
    number = tree.hotlines[transfer.hotline].number
    assert number in page.locator("#status").inner_text()
    page.get_by_role("button", name="Busy").click()
    page.wait_for_function(_SEEN % "DIAL  outcome busy")
    page.wait_for_selector("#phone[data-wait='gather']")
    count = len(_lines(page))
    page.get_by_role("button", name="Skip the wait").click()
    page.wait_for_function(f"document.querySelectorAll('#transcript li').length > {count}")
    assert "CALLER stayed silent" in "\n".join(_lines(page)[count:])
    page.get_by_role("button", name="Hang up").click()
    page.wait_for_selector("#phone[data-wait='ended']")
    at = moment.at.astimezone(ZoneInfo(ZONE)).replace(second=0).isoformat()
    assert moves_only(_lines(page)) == moves_only(_cli_lines(" ".join(zh + keys) + " dial:busy wait", at))
    assert errors == []


def test_leave_a_message_after_hours_with_the_clock_set(phone, tree):
    page, errors = phone
    zh = language_key(tree, "zh-CN")
    closed = next(m for m in choose_moments(tree) if m.closed)
    keys, transfer = keys_to(tree, lambda n: isinstance(n, TransferNode) and n.hotline in closed.closed)
    _set_clock(page, closed.at)
    page.get_by_role("button", name="Call", exact=True).click()
    _barge(page, zh + keys + tree.defaults.keys.leave_message)
    page.wait_for_selector("#phone[data-wait='record']")
    page.get_by_role("button", name="Use a canned recording").click()
    page.wait_for_selector("#phone[data-wait='ended']")
    text = "\n".join(_lines(page))
    assert "REC   recorded" in text and "/recorded?" in text and "END   <Hangup>" in text
    assert page.locator("#now-at").inner_text().startswith(transfer.id)
    canned = translate("phone_canned_message", "en")
    at = closed.at.astimezone(ZoneInfo(ZONE)).replace(second=0).isoformat()
    script = " ".join(zh + keys + tree.defaults.keys.leave_message) + f' say "{canned}" #'
    assert moves_only(_lines(page)) == moves_only(_cli_lines(script, at))
    assert errors == []


def test_problems_twilio_would_report_show_in_the_page(chromium):
    broken = Flask("broken_target")

    @broken.post("/voice")
    def voice() -> Response:
        return Response(
            '<Response><Gather numdigits="1"><Say>press a key</Say></Gather></Response>', mimetype="text/xml"
        )

    with serving(broken) as target:
        app = create_app({"USE_AUDIO": "false", "PHONE_TARGET": f"{target}/voice"})
        with serving(app) as base:
            context = chromium.new_context(locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            try:
                page.goto(f"{base}/console/phone?ui=zh")
                assert page.get_by_label("呼叫时间").is_disabled()  # an app behind a URL reads its own clock
                page.get_by_role("button", name="呼叫", exact=True).click()
                alert = page.get_by_role("alert").first
                alert.wait_for()
                assert "12200" in alert.inner_text() and "numdigits" in alert.inner_text()
                page.get_by_role("button", name="挂断").click()
                page.wait_for_selector("#phone[data-wait='ended']")
            finally:
                app.extensions["ivr"]["phone_calls"].shutdown()
                context.close()
