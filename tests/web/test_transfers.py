"""Transfers as Twilio must receive them: <Number> in E.164 or <Sip> at the trunk, always with a callerId,
and a deployment that cannot dial a hotline says so at start (production: refuses; development: warns,
and a caller who reaches that transfer is told and offered a message or the number)."""

import logging
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from freezegun import freeze_time

from ivr.cli import main
from ivr.web import create_app
from ivr.web.settings import SettingError, Settings

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "menus" / "examples" / "minimal.yaml"
WALLET = ROOT / "menus" / "wallet.yaml"
LINE = "+14155550100"
TOKEN = "test-auth-token-0123456789abcdef"
TO_JDPAY = "/voice/node/agents/input?lang=en-US&trail=main"  # key 2: JD Pay, open 09:00-18:00 Shanghai
OPEN = "2026-11-24 03:00:00"  # Tuesday 11:00 in Shanghai


def menu(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """The annotated example with ``edits`` (each must hit exactly once)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "menu.yaml"
    path.write_text(text, encoding="utf-8")
    return path


JDPAY_BY_PSTN = (
    ('    number: "400-606-5500"\n    # route: pstn ', '    number: "+1 212 555 0123"\n    route: pstn #'),
)
CALLER_ID = (('  # caller_id: "+1 415 555 0100"', '  caller_id: "+1 415 555 0100"'),)


def dial(app, data: dict[str, str]) -> ET.Element | None:
    with freeze_time(OPEN):
        response = app.test_client().post(TO_JDPAY, data={"Digits": "2", **data})
    assert response.status_code == 200
    return ET.fromstring(response.data).find("Dial")


def app_for(path: Path, **settings: str):
    return create_app({"MENU_FILE": str(path), "AUDIO_DIR": "/nonexistent", "USE_AUDIO": "false", **settings})


def test_a_pstn_hotline_is_a_number_in_e164_with_the_lines_own_number_as_caller_id(tmp_path):
    found = dial(app_for(menu(tmp_path, *JDPAY_BY_PSTN)), {"To": LINE, "From": "+8613900000000"})
    assert found is not None and [n.tag for n in found] == ["Number"]
    assert found[0].text == "+12125550123"  # written "+1 212 555 0123"
    assert found.get("callerId") == LINE  # not the caller's +86 number


def test_a_sip_hotline_goes_to_the_trunk_with_its_credentials(tmp_path):
    app = app_for(menu(tmp_path), SIP_TRUNK_HOST="trunk.example.com", SIP_TRUNK_USERNAME="ivr", SIP_TRUNK_PASSWORD="pw")
    found = dial(app, {"To": LINE})
    assert found is not None and [n.tag for n in found] == ["Sip"]
    sip = found[0]
    assert sip.text == "sip:4006065500@trunk.example.com"
    assert (sip.get("username"), sip.get("password"), found.get("callerId")) == ("ivr", "pw", LINE)


def test_a_trunk_without_credentials_sends_none(tmp_path):
    found = dial(app_for(menu(tmp_path), SIP_TRUNK_HOST="trunk.example.com"), {"To": LINE})
    assert found is not None and found[0].get("username") is None and found[0].get("password") is None


def test_the_files_caller_id_wins_over_the_lines_number(tmp_path):
    found = dial(app_for(menu(tmp_path, *JDPAY_BY_PSTN, *CALLER_ID)), {"To": "+14155550199"})
    assert found is not None and found.get("callerId") == "+14155550100"


def test_two_lines_served_by_one_service_each_show_their_own_number(tmp_path):
    """The kept documents (ivr.web.documents) must not hand one line's caller ID to another."""
    app = app_for(menu(tmp_path, *JDPAY_BY_PSTN))
    first, second = dial(app, {"To": "+14155550100"}), dial(app, {"To": "+14155550111"})
    assert first is not None and second is not None
    assert (first.get("callerId"), second.get("callerId")) == ("+14155550100", "+14155550111")


def test_without_a_caller_id_to_present_the_caller_is_told_and_offered_the_number(tmp_path, caplog):
    """No To (not Twilio) and none in the file: a <Dial> would pass on the caller's own number, so none is sent."""
    app = app_for(menu(tmp_path, *JDPAY_BY_PSTN))
    with freeze_time(OPEN), caplog.at_level(logging.WARNING, "ivr.web"):
        response = app.test_client().post(TO_JDPAY, data={"Digits": "2"})
    root = ET.fromstring(response.data)
    assert response.status_code == 200 and root.find("Dial") is None
    said = " | ".join(s.text or "" for s in root.iter("Say"))
    assert "Sorry, the call to JD Pay did not go through." in said and "To hear the number, press 2." in said
    assert "no caller ID to present" in caplog.text


# --- a route this deployment cannot dial --------------------------------------------------------------


def test_production_refuses_to_start_with_a_sip_hotline_and_no_trunk(tmp_path):
    with pytest.raises(SettingError) as refused:
        app_for(menu(tmp_path), IVR_ENV="production", TWILIO_AUTH_TOKEN=TOKEN)
    message = str(refused.value)
    assert "\n" not in message
    assert "hotlines alipay, jdpay" in message and "routed by sip, but SIP_TRUNK_HOST is not set" in message


def test_production_starts_with_the_trunk_set(tmp_path):
    app_for(menu(tmp_path), IVR_ENV="production", TWILIO_AUTH_TOKEN=TOKEN, SIP_TRUNK_HOST="trunk.example.com")


def test_production_starts_when_every_hotline_goes_by_pstn(tmp_path):
    path = menu(tmp_path, ("  route: sip   ", "  route: pstn  "), ('number: "95188" ', 'number: "+1 212 555 0124" '),
                ('    number: "400-606-5500"', '    number: "+1 212 555 0123"'))  # fmt: skip
    app_for(path, IVR_ENV="production", TWILIO_AUTH_TOKEN=TOKEN)


def test_development_warns_loudly_and_the_caller_hears_an_apology_and_the_choices(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, "ivr.web"):
        app = app_for(menu(tmp_path))
    assert "TRANSFERS WILL NOT CONNECT" in caplog.text and "SIP_TRUNK_HOST is not set" in caplog.text
    client = app.test_client()
    with freeze_time(OPEN):
        response = client.post(TO_JDPAY, data={"Digits": "2", "To": LINE})
        root = ET.fromstring(response.data)
        assert response.status_code == 200 and root.find("Dial") is None
        said = " | ".join(s.text or "" for s in root.iter("Say"))
        assert "Sorry, the call to JD Pay did not go through." in said
        assert "To leave a message, press 1. To hear the number, press 2." in said
        action = root.find("Gather").get("action")
        number = ET.fromstring(client.post(action, data={"Digits": "2", "To": LINE}).data)
    assert "The number for JD Pay is: 4 0 0, 6 0 6, 5 5 0 0." in " ".join(s.text or "" for s in number.iter("Say"))
    # the rest of the line is served
    assert ET.fromstring(client.post("/voice/node/main?lang=en-US").data).find("Gather") is not None


def test_ivr_serve_refuses_in_production_with_one_line(tmp_path, monkeypatch, capsys):
    path = menu(tmp_path)
    for name in ("SIP_TRUNK_HOST", "SIP_TRUNK_USERNAME", "SIP_TRUNK_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IVR_ENV", "production")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    assert main(["serve", "--menu", str(path), "--port", "0"]) == 2
    out = capsys.readouterr().err.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("refusing to start: IVR_ENV=production but hotlines alipay, jdpay")
    assert "SIP_TRUNK_HOST" in out[0]


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"SIP_TRUNK_HOST": "sip:trunk@example.com"}, "SIP_TRUNK_HOST='sip:trunk@example.com' is not valid"),
        ({"SIP_TRUNK_HOST": "trunk.example.com", "SIP_TRUNK_USERNAME": "ivr"}, "go together: set both, or neither"),
    ],
)
def test_a_bad_trunk_setting_is_refused_at_start(settings, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        Settings.from_mapping(settings)


def test_the_trunk_password_is_never_in_a_repr():
    settings = Settings.from_mapping({"SIP_TRUNK_HOST": "t.example.com", "SIP_TRUNK_USERNAME": "u",
                                      "SIP_TRUNK_PASSWORD": "s3cret"})  # fmt: skip
    assert "s3cret" not in repr(settings) and "s3cret" not in repr(settings.sip_trunk)


def test_gunicorn_refuses_the_app_in_production_without_the_trunk(tmp_path):
    """The production entry point (``gunicorn 'ivr.web:create_app()'``), for real: it exits, saying why."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIP_TRUNK_")}
    env |= {"IVR_ENV": "production", "TWILIO_AUTH_TOKEN": TOKEN, "MENU_FILE": str(shutil.copy(WALLET, tmp_path))}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "-w", "1", "-b", "127.0.0.1:0", "ivr.web:create_app()"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "hotlines alipay, wechatpay, jdpay, applepay, baiduwallet" in result.stderr
    assert "SIP_TRUNK_HOST is not set" in result.stderr
