"""A bad setting stops the start with one line naming the setting and the fix (issue 13).

Each of these used to start fine and then break every call (or run with no signature check):
through the app factory, ``ivr serve`` (in-process for every case, as a real subprocess for some)
and a real gunicorn, the service refuses to start and says which setting and what to do.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import gunicorn as gunicorn_package
import pytest

from ivr.cli import main
from ivr.web import create_app
from ivr.web.settings import SettingError, Settings

ROOT = Path(__file__).parents[2]
MENU = ROOT / "menus" / "examples" / "minimal.yaml"
TOKEN = "test-auth-token-0123456789abcdef"
PRODUCTION = {"IVR_ENV": "production", "TWILIO_AUTH_TOKEN": TOKEN}

# (settings, the words the one line must contain)
BAD = [
    ({"IVR_ENV": "prod"}, "setting IVR_ENV='prod' is not valid: use production or development"),
    ({"IVR_ENV": "staging"}, "setting IVR_ENV='staging' is not valid"),
    ({"IVR_ENV": "production", "TWILIO_AUTH_TOKEN": " \n"}, "setting TWILIO_AUTH_TOKEN is not set (or blank)"),
    ({"IVR_ENV": "production"}, "setting TWILIO_AUTH_TOKEN is not set (or blank) but IVR_ENV=production"),
    ({"TWILIO_AUTH_TOKEN": "abc def"}, "setting TWILIO_AUTH_TOKEN contains spaces or control characters"),
    ({"PUBLIC_BASE_URL": "ivr.example.com"}, "setting PUBLIC_BASE_URL='ivr.example.com' is not valid: give an http"),
    ({"PUBLIC_BASE_URL": "ftp://ivr.example.com"}, "PUBLIC_BASE_URL='ftp://ivr.example.com' is not valid"),
    ({"PUBLIC_BASE_URL": "https://"}, "PUBLIC_BASE_URL='https://' is not valid"),
    ({"PUBLIC_BASE_URL": "https://ivr.example.com/voice"}, "like https://ivr.example.com (no path, query or user)"),
    ({"PUBLIC_BASE_URL": "https://ivr.example.com?x=1"}, "(no path, query or user)"),
    ({"PUBLIC_BASE_URL": "https://ivr.example.com:99999"}, "PUBLIC_BASE_URL='https://ivr.example.com:99999'"),
    ({"TRUSTED_PROXIES": "-1"}, "setting TRUSTED_PROXIES=-1 is out of range: give how many proxies"),
    ({"TRUSTED_PROXIES": "one"}, "setting TRUSTED_PROXIES='one' is not valid: give a whole number"),
    ({"TRUSTED_PROXIES": "11"}, "TRUSTED_PROXIES=11 is out of range"),
    ({"MAX_BODY_BYTES": "0"}, "setting MAX_BODY_BYTES=0 is out of range: give the largest webhook body"),
    ({"MAX_BODY_BYTES": "16k"}, "setting MAX_BODY_BYTES='16k' is not valid: give a whole number"),
    ({"MAX_BODY_BYTES": "99999999"}, "MAX_BODY_BYTES=99999999 is out of range"),
    ({"LOG_LEVEL": "verbose"}, "setting LOG_LEVEL='verbose' is not valid: use DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ({"USE_AUDIO": "maybe"}, "setting USE_AUDIO='maybe' is not valid: use true or false"),
    ({"CALL_STORE": "nope"}, "setting CALL_STORE='nope' is not valid: use true or false"),
    ({"SPOOL_SYNC": "2"}, "setting SPOOL_SYNC='2' is not valid"),
    ({"SPOOL_FORWARD_MS": "0"}, "setting SPOOL_FORWARD_MS=0 is out of range"),
    ({"RETENTION_DAYS": "0"}, "setting RETENTION_DAYS=0 is out of range"),
    ({"DATABASE_URL": "mysql://db/ivr"}, "setting DATABASE_URL='mysql://db/ivr': only SQLite"),
    ({"DATABASE_URL": "sqlite://"}, "in-memory SQLite database would lose every call"),
    ({"NOTIFY_URL": "mailto:ops@example.com"}, "setting NOTIFY_URL='mailto:ops@example.com' is not valid"),
    ({"NOTIFY_URL": "https://hooks.example.com/ivr"}, "setting NOTIFY_URL needs NOTIFY_SECRET"),
    ({"PHONE_TARGET": "example.com/voice"}, "setting PHONE_TARGET='example.com/voice' is not valid"),
    ({"AUDIO_DIR": str(MENU)}, "is not a folder"),
    ({"SIP_TRUNK_HOST": "sip:trunk@example.com"}, "SIP_TRUNK_HOST='sip:trunk@example.com' is not valid"),
    ({"SIP_TRUNK_USERNAME": "ivr"}, "SIP_TRUNK_USERNAME and SIP_TRUNK_PASSWORD go together"),
    ({**PRODUCTION, "CONSOLE_PASSWORD": "pw-0123456789"}, "setting CONSOLE_SECRET_KEY is not set"),
]
IDS = [next(iter(settings)) + "=" + repr(next(iter(settings.values()))) for settings, _ in BAD]


def app_settings(settings: dict[str, str]) -> dict[str, str]:
    return {"MENU_FILE": str(MENU), "USE_AUDIO": "false", "SIP_TRUNK_HOST": "trunk.example.com", **settings}


def environment(settings: dict[str, str]) -> dict[str, str]:
    names = ("IVR_ENV", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "CONSOLE_PASSWORD", "CONSOLE_SECRET_KEY", "LOG_LEVEL")
    env = {k: v for k, v in os.environ.items() if k not in names and not k.startswith("SIP_TRUNK_")}
    return env | app_settings(settings) | {"PYTHONPATH": str(ROOT)}


@pytest.mark.parametrize(("settings", "words"), BAD, ids=IDS)
def test_the_app_factory_refuses_each_bad_setting_with_one_line(settings, words):
    with pytest.raises(SettingError) as refused:
        create_app(app_settings(settings))
    assert words in str(refused.value) and "\n" not in str(refused.value)
    assert TOKEN not in str(refused.value)  # a secret is named, never printed


@pytest.mark.parametrize(("settings", "words"), BAD, ids=IDS)
def test_ivr_serve_refuses_each_bad_setting_with_one_line_and_exit_2(settings, words, monkeypatch, capsys):
    for name, value in environment(settings).items():
        monkeypatch.setenv(name, value)
    for name in set(os.environ) - set(environment(settings)):
        monkeypatch.delenv(name)
    monkeypatch.setattr("flask.Flask.run", lambda *_a, **_k: pytest.fail("the service started"))
    assert main(["serve", "--port", "0"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("refusing to start: setting") and words in err


@pytest.mark.parametrize(
    ("settings", "words"),
    [BAD[0], BAD[2], BAD[8], BAD[11], ({"PORT": "http"}, "setting PORT='http' is not valid: give a TCP port")],
    ids=["IVR_ENV", "blank token", "PUBLIC_BASE_URL path", "TRUSTED_PROXIES", "PORT"],
)
def test_ivr_serve_as_a_process_exits_2_with_the_line_and_no_traceback(settings, words):
    ivr = Path(sys.executable).with_name("ivr")
    result = subprocess.run([str(ivr), "serve"], cwd=ROOT, env=environment(settings), capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and words in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_gunicorn_with_a_bad_setting_stops_with_the_line_in_its_log():
    """The production entry point, for real: the master exits non-zero because a worker failed to boot,
    its log has the one line naming the setting, and no traceback comes from the service's code.

    Two workers both fail to boot, and gunicorn 27.0 then races with itself: when the second one exits
    with the boot-error code while the master is already halting for the first, ``reap_workers`` (called
    from ``halt`` -> ``stop``) raises ``HaltServer`` again, outside the handler that would catch it; the
    master dies of it with status 1 and gunicorn's own chained traceback instead of status 3 and
    "Reason: Worker failed to boot." (seen about once in ten runs). Either ending is the master stopping
    for a boot failure; anything else (another exit, another exception, a frame outside gunicorn) fails.
    """
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "-w", "2", "-b", "127.0.0.1:0", "ivr.web:create_app()"],
        cwd=ROOT, env=environment({"IVR_ENV": "prod"}), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    log = result.stderr
    refused = re.findall(r"^\[[^]]+\] \[(\d+)\] \[CRITICAL\] (refusing to start: .*)$", log, re.MULTILINE)
    assert refused, log
    assert {line for _pid, line in refused} == {"refusing to start: " + _PROD_REFUSED}, log
    assert len({pid for pid, _line in refused}) == len(refused), log  # once per worker
    assert re.search(r"\[ERROR\] Worker \(pid:\d+\) exited with code 3\.$", log, re.MULTILINE), log
    halted = result.returncode == 3 and "[ERROR] Reason: Worker failed to boot." in log
    halted_in_gunicorns_race = result.returncode == 1 and log.rstrip().endswith(_BOOT_HALT)
    assert halted or halted_in_gunicorns_race, f"exit status {result.returncode}:\n{log}"
    for frames, exception in _tracebacks(log):
        assert exception == _BOOT_HALT, log
        assert all(Path(frame).is_relative_to(_GUNICORN) or Path(frame) == gunicorn for frame in frames), log


_GUNICORN = Path(gunicorn_package.__file__).parent
_PROD_REFUSED = "setting IVR_ENV='prod' is not valid: use production or development"
_BOOT_HALT = "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>"


def _tracebacks(log: str) -> list[tuple[list[str], str]]:
    """Each Python traceback in ``log``: the files of its frames and its last line (the exception)."""
    found: list[tuple[list[str], str]] = []
    lines = iter(log.splitlines())
    for line in lines:
        if line.startswith("Traceback (most recent call last):"):
            frames: list[str] = []
            for inner in lines:
                if not inner.startswith(" "):
                    found.append((frames, inner))
                    break
                if match := re.match(r'  File "([^"]+)", line \d+', inner):
                    frames.append(match[1])
            else:
                found.append((frames, ""))
    return found


@pytest.mark.parametrize(
    ("raw", "env"), [("Production", "production"), ("production ", "production"), (" DEVELOPMENT\n", "development")]
)
def test_ivr_env_is_read_in_any_case_and_without_surrounding_spaces(raw, env):
    settings = Settings.from_mapping({"IVR_ENV": raw, "TWILIO_AUTH_TOKEN": TOKEN})
    assert settings.env == env and settings.production == (env == "production")


def test_a_token_with_a_trailing_newline_is_the_token():
    """Pasted from a file or a secret store: the newline would make every signature fail."""
    settings = Settings.from_mapping({"TWILIO_AUTH_TOKEN": TOKEN + "\n", "PUBLIC_BASE_URL": " https://x.example/ "})
    assert settings.twilio_auth_token == TOKEN and settings.public_base_url == "https://x.example/"
    assert TOKEN not in repr(settings)


def test_production_with_a_signature_check_starts():
    app = create_app(app_settings({**PRODUCTION, "IVR_ENV": "Production", "LOG_LEVEL": "warning"}))
    assert app.extensions["ivr"]["settings"].production
