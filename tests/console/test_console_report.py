"""The console's Report and Menu pages, and the HTML report file, in real Chromium over real HTTP."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from console_support import serving
from sqlalchemy import create_engine

from ivr.analytics import build_report
from ivr.analytics.html import render_html
from ivr.call.checks import load_menu
from ivr.store.migrate import upgrade
from ivr.web import create_app

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("report_figures", HERE.parent / "analytics" / "test_report_figures.py")
figures_test = importlib.util.module_from_spec(spec)
sys.modules["report_figures"] = figures_test
spec.loader.exec_module(figures_test)
MENU = figures_test.MENU


def _store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ivr.db'}"
    engine = create_engine(url)
    upgrade(engine)  # the real migrations, as `ivr db upgrade` runs them
    figures_test._journeys(engine, load_menu(MENU))
    return url


def test_the_html_report_opens_in_chromium_with_its_charts_and_counts(page, tmp_path):
    url = _store(tmp_path)
    tree = load_menu(MENU)
    report = build_report(create_engine(url), tree, figures_test.SINCE, figures_test.UNTIL)
    out = tmp_path / "report.html"
    out.write_text(render_html(report, tree), encoding="utf-8")
    page.goto(out.as_uri())
    assert page.get_by_role("img", name="Funnel").count() == 1
    assert "calls: 5 (100%)" in page.get_by_role("img", name="Funnel").text_content()
    outcomes = page.get_by_role("img", name="Outcomes")
    assert outcomes.locator("text.count").all_text_contents() == ["1", "1", "1", "1", "1"]
    assert page.locator(".diagram svg").count() == 1
    assert page.errors == []


def test_the_report_and_menu_pages_need_the_login_and_show_the_figures(page, tmp_path):
    url = _store(tmp_path)
    app = create_app(
        {
            "USE_AUDIO": "false",
            "CONSOLE_PASSWORD": "s3cret-pass",
            "DATABASE_URL": url,
            "CALL_STORE": "false",  # the console only reads the store; no recorder threads left behind
            "MENU_FILE": str(MENU),
            "SIP_TRUNK_HOST": "trunk.example.com",
        }
    )
    with serving(app) as base:
        page.goto(f"{base}/console/report?since=2026-11-24&until=2026-11-24")
        assert "/console/login" in page.url
        page.get_by_label("Password").fill("s3cret-pass")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/console/report**")
        page.wait_for_load_state()
        assert "calls: 5 (100%)" in page.get_by_role("img", name="Funnel").text_content()
        page.get_by_role("link", name="Menu").click()
        page.wait_for_url("**/console/menu")
        assert page.get_by_role("status").inner_text().startswith("The file on disk passes every check")
        assert page.locator(".diagram svg").count() == 1
        assert page.errors == []


def test_the_inbox_needs_the_login_plays_a_message_and_marks_it_handled(page, tmp_path):
    url = _store(tmp_path)
    app = create_app(
        {
            "USE_AUDIO": "false",
            "CONSOLE_PASSWORD": "s3cret-pass",
            "DATABASE_URL": url,
            "CALL_STORE": "false",  # the console only reads the store; no recorder threads left behind
            "MENU_FILE": str(MENU),
            "SIP_TRUNK_HOST": "trunk.example.com",
        }
    )
    with serving(app) as base:
        page.goto(f"{base}/console/messages")
        assert "/console/login" in page.url
        page.get_by_label("Password").fill("s3cret-pass")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/console/messages**")
        message = page.locator("li.message")
        assert message.count() == 1 and "jdpay" in message.inner_text()
        assert message.locator("audio").get_attribute("src") == "https://api.twilio.com/RE1"
        page.get_by_role("button", name="Mark handled").click()
        page.wait_for_url("**/console/messages?status=new")
        assert page.get_by_role("status").inner_text() == "No messages here."
        page.goto(f"{base}/console/messages?status=handled")
        assert page.locator("li.message").count() == 1
        page.get_by_role("link", name="Calls").click()
        assert page.locator("tbody tr").count() == 7
        assert page.errors == []
