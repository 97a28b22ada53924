"""The console's login in real Chromium over real HTTP: refused, then let in, in both languages."""

from __future__ import annotations

from console_support import serving

from ivr.web import create_app


def test_log_in_and_out_in_chromium(page):
    app = create_app({"USE_AUDIO": "false", "CONSOLE_PASSWORD": "s3cret-pass"})
    with serving(app) as base:
        page.goto(f"{base}/console/")
        assert "/console/login" in page.url
        page.get_by_label("Password").fill("nope")
        page.get_by_role("button", name="Log in").click()
        assert page.get_by_role("alert").inner_text() == "That password is not right."
        page.get_by_label("Password").fill("s3cret-pass")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/console/")
        page.get_by_role("link", name="中文").click()
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url(f"{base}/console/login")
        assert page.errors == []
