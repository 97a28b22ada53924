"""The console's door: off without a password, a login, CSRF on every form, zh/en words, and no way in
with Twilio's webhook signature."""

from __future__ import annotations

import re

import pytest
from twilio.request_validator import RequestValidator

from ivr.web import create_app
from ivr.web.console import access
from ivr.web.console.messages import UI_LANGUAGES, catalogue
from ivr.web.settings import SettingError

PASSWORD = "correct horse battery staple"
TOKEN = "test-auth-token"


def _app(**settings: str):
    return create_app({"USE_AUDIO": "false", **settings})


def _csrf(page_html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def _login(client, password: str = PASSWORD):
    token = _csrf(client.get("/console/login").get_data(as_text=True))
    return client.post("/console/login?next=/console/", data={"password": password, "csrf_token": token})


def test_the_console_is_off_without_a_password():
    client = _app().test_client()
    assert client.get("/console/login").status_code == 404
    assert client.post("/console/login", data={"password": ""}).status_code in (400, 404)


def test_staff_pages_need_a_login_and_the_right_password():
    client = _app(CONSOLE_PASSWORD=PASSWORD).test_client()
    first = client.get("/console/")
    assert first.status_code == 302 and first.location.startswith("/console/login")
    wrong = _login(client, "wrong")
    assert wrong.status_code == 200
    assert "not right" in wrong.get_data(as_text=True) or "不正确" in wrong.get_data(as_text=True)
    assert client.get("/console/").status_code == 302
    right = _login(client)
    assert right.status_code == 302 and right.location == "/console/"
    page = client.get("/console/")
    assert page.status_code == 200


def test_a_form_without_the_sessions_csrf_token_is_refused():
    client = _app(CONSOLE_PASSWORD=PASSWORD).test_client()
    client.get("/console/login")
    assert client.post("/console/login", data={"password": PASSWORD}).status_code == 400
    assert client.post("/console/login", data={"password": PASSWORD, "csrf_token": "forged"}).status_code == 400
    _login(client)
    assert client.get("/console/").status_code == 200
    assert client.post("/console/logout").status_code == 400  # logging someone out is a state change too
    token = _csrf(client.get("/console/").get_data(as_text=True))
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/").status_code == 302  # logged out


def test_a_request_signed_like_twilio_does_not_open_the_console():
    app = _app(CONSOLE_PASSWORD=PASSWORD, TWILIO_AUTH_TOKEN=TOKEN)
    client = app.test_client()
    url = "http://localhost/console/"
    signature = RequestValidator(TOKEN).compute_signature(url, {})
    response = client.get("/console/", headers={"X-Twilio-Signature": signature})
    assert response.status_code == 302 and "/console/login" in response.location
    signed_post = RequestValidator(TOKEN).compute_signature("http://localhost/console/logout", {})
    assert client.post("/console/logout", headers={"X-Twilio-Signature": signed_post}).status_code == 400


def test_login_only_sends_people_to_console_pages():
    assert access.safe_next("/console/phone?ui=zh") == "/console/phone?ui=zh"
    for evil in ("https://evil.example/console/", "//evil.example/console/", "/voice/incoming", "/\\evil.example"):
        assert access.safe_next(evil) is None


def test_password_comparison():
    assert access.password_matches(PASSWORD, PASSWORD)
    assert not access.password_matches(PASSWORD + " ", PASSWORD)
    assert not access.password_matches("", "")  # an unset password never lets anyone in


def test_production_needs_a_fixed_secret_key_for_the_console():
    with pytest.raises(SettingError, match="CONSOLE_SECRET_KEY"):
        _app(IVR_ENV="production", TWILIO_AUTH_TOKEN=TOKEN, CONSOLE_PASSWORD=PASSWORD)
    production = {"IVR_ENV": "production", "TWILIO_AUTH_TOKEN": TOKEN, "SIP_TRUNK_HOST": "trunk.example.com"}
    app = _app(**production, CONSOLE_PASSWORD=PASSWORD, CONSOLE_SECRET_KEY="k" * 32)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_the_ui_speaks_chinese_or_english_and_remembers_the_choice():
    client = _app(CONSOLE_PASSWORD=PASSWORD).test_client()
    zh = client.get("/console/login?ui=zh").get_data(as_text=True)
    assert 'lang="zh-CN"' in zh and "登录" in zh
    again = client.get("/console/login").get_data(as_text=True)
    assert "登录" in again
    en = client.get("/console/login?ui=en").get_data(as_text=True)
    assert 'lang="en"' in en and "Log in" in en
    browser = _app(CONSOLE_PASSWORD=PASSWORD).test_client()
    assert "登录" in browser.get("/console/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)


def test_every_message_exists_in_both_ui_languages():
    messages = catalogue()
    keys = [set(messages[lang]) for lang in UI_LANGUAGES]
    assert keys[0] == keys[1], f"missing in one language: {keys[0] ^ keys[1]}"
