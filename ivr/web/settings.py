"""Service settings, from the environment with documented defaults.

| variable            | default              | meaning                                                    |
|---------------------|----------------------|------------------------------------------------------------|
| MENU_FILE           | menus/wallet.yaml    | the menu tree to serve (re-read when it changes)           |
| MENU_SNAPSHOT_DIR   | var/menus            | the last good copy of each menu served (docs/running.md)   |
| AUDIO_DIR           | audio                | pre-rendered prompts (``ivr audio build``)                  |
| USE_AUDIO           | true                 | ``false``: every prompt is <Say>, even where audio exists   |
| TWILIO_AUTH_TOKEN   | (unset)              | checks X-Twilio-Signature on every webhook when set        |
| PUBLIC_BASE_URL     | (unset)              | the URL Twilio calls, e.g. https://ivr.example.com; used   |
|                     |                      | for signatures and absolute audio URLs                     |
| TRUSTED_PROXIES     | 0                    | how many proxies in front set X-Forwarded-Proto/Host       |
| IVR_ENV             | development          | ``production`` (any case) checks signatures and refuses to |
|                     |                      | start without a token; anything but the two is refused     |
| MAX_BODY_BYTES      | 16384                | larger webhook bodies are refused (Twilio's are ~1-2 KiB), |
|                     |                      | chunked or not; 4096 to 1048576                            |
| LOG_LEVEL           | INFO                 | DEBUG, INFO, WARNING, ERROR or CRITICAL (``ivr.web.logs``) |
| CONSOLE_PASSWORD    | (unset)              | turns on the staff console at /console/ (login with it)    |
| CONSOLE_SECRET_KEY  | (unset: random)      | signs console session cookies; set it when several workers |
|                     |                      | or restarts must keep logins (required in production)      |
| SIP_TRUNK_HOST      | (unset)              | the SIP trunk's host[:port] for ``route: sip`` hotlines    |
|                     |                      | (the ``{trunk}`` of the menu's ``sip_uri``)                |
| SIP_TRUNK_USERNAME  | (unset)              | SIP digest credentials sent on ``<Sip>``; set both or      |
| SIP_TRUNK_PASSWORD  | (unset)              | neither (a trunk that admits Twilio by IP needs none)      |
| PHONE_TARGET        | (unset: this app)    | the TwiML URL the console's phone calls (``ivr phone URL``) |
| CALL_STORE          | true                 | ``false``: record nothing (``ivr paths`` walks do not)      |
| DATABASE_URL        | sqlite:///var/ivr.db | the call store: SQLite file or postgresql://… (docs/store.md)|
| SPOOL_DIR           | var/spool            | local durable spool in front of the database, per host     |
| SPOOL_SYNC          | true                 | fdatasync each webhook's events before answering           |
| SPOOL_FORWARD_MS    | 250                  | how often the spool is forwarded to the database           |
| SPOOL_FORWARDER     | process              | ``process``: one low-priority forwarder process per host   |
|                     |                      | (started by the service); ``thread``: each worker its own  |
| NOTIFY_URL          | (unset)              | new messages are POSTed here as signed JSON                 |
| NOTIFY_SECRET       | (unset)              | the HMAC-SHA256 key for NOTIFY_URL's X-IVR-Signature       |
| RETENTION_DAYS      | 90                   | ``ivr calls purge`` deletes calls older than this          |

Every setting is checked when it is read, and a bad one stops the start with one line naming
the setting and the fix (``SettingError``): a service that starts with ``IVR_ENV=prod`` (no
signature check), a token with a trailing newline (every call refused) or ``TRUSTED_PROXIES=-1``
(every proxied request a 500) fails later, on a caller. Spaces and line breaks around any value
are removed first. What only the serving app needs (a token in production, …) is checked by
``Settings.check_serving``, so ``ivr calls`` on a reporting host is not held to it.

Without SIP_TRUNK_HOST a ``route: sip`` hotline cannot be dialled: in production the service
refuses to start; in development it warns and callers who reach that transfer are told it did
not go through and offered a message or the number (``ivr.web.dialing``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from ivr.store.database import StoreConfigError, check_url
from ivr.store.store_settings import FORWARDERS


class SettingError(ValueError):
    """A setting the service cannot run with: one line that names the setting and says the fix."""


ENVIRONMENTS = ("development", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Twilio's webhook bodies are about 1-2 KiB; below 4 KiB a long SpeechResult could be refused,
# above 1 MiB the limit no longer protects a worker's memory.
BODY_LIMITS = (4096, 1_048_576)
PROXY_LIMITS = (0, 10)  # ProxyFix trusts this many X-Forwarded-* hops; no real chain is longer
FORWARD_MS_LIMITS = (10, 60_000)
RETENTION_LIMITS = (1, 36_500)


@dataclass(frozen=True)
class Settings:
    menu_file: Path = Path("menus/wallet.yaml")
    menu_snapshot_dir: Path = Path("var/menus")
    audio_dir: Path = Path("audio")
    use_audio: bool = True
    twilio_auth_token: str = field(default="", repr=False)
    public_base_url: str = ""
    trusted_proxies: int = 0
    env: str = "development"
    max_body_bytes: int = 16384
    log_level: str = "INFO"
    console_password: str = field(default="", repr=False)  # secrets stay out of logs and tracebacks
    console_secret_key: str = field(default="", repr=False)
    sip_trunk_host: str = ""
    sip_trunk_username: str = ""
    sip_trunk_password: str = field(default="", repr=False)
    phone_target: str = ""
    call_store: bool = True
    database_url: str = "sqlite:///var/ivr.db"
    spool_dir: Path = Path("var/spool")
    spool_sync: bool = True
    spool_forward_ms: int = 250
    spool_forwarder: str = "process"
    notify_url: str = ""
    notify_secret: str = field(default="", repr=False)
    retention_days: int = 90

    def __post_init__(self) -> None:
        """Each value on its own, whoever built the settings (``from_mapping`` or a test)."""
        if self.env.strip().lower() not in ENVIRONMENTS:
            raise SettingError(f"setting IVR_ENV={self.env!r} is not valid: use production or development")
        object.__setattr__(self, "env", self.env.strip().lower())  # "Production" is production
        if self.log_level.strip().upper() not in LOG_LEVELS:
            raise SettingError(f"setting LOG_LEVEL={self.log_level!r} is not valid: use {', '.join(LOG_LEVELS)}")
        object.__setattr__(self, "log_level", self.log_level.strip().upper())
        _in_range("TRUSTED_PROXIES", self.trusted_proxies, PROXY_LIMITS, "how many proxies in front set X-Forwarded-*")
        _in_range("MAX_BODY_BYTES", self.max_body_bytes, BODY_LIMITS, "the largest webhook body accepted, in bytes")
        _in_range("SPOOL_FORWARD_MS", self.spool_forward_ms, FORWARD_MS_LIMITS, "milliseconds between forwards")
        _in_range("RETENTION_DAYS", self.retention_days, RETENTION_LIMITS, "days a call is kept")
        if self.spool_forwarder.strip().lower() not in FORWARDERS:
            raise SettingError(
                f"setting SPOOL_FORWARDER={self.spool_forwarder!r} is not valid: use {' or '.join(FORWARDERS)}"
            )
        object.__setattr__(self, "spool_forwarder", self.spool_forwarder.strip().lower())
        if _UNPRINTABLE.search(self.twilio_auth_token):
            raise SettingError(
                "setting TWILIO_AUTH_TOKEN contains spaces or control characters: paste the account's auth token"
                " exactly (Twilio console, Account > API keys & tokens)"
            )
        if self.public_base_url:
            _base_url(self.public_base_url)
        for name, url in (("PHONE_TARGET", self.phone_target), ("NOTIFY_URL", self.notify_url)):
            if url:
                _web_url(name, url)
        if self.notify_url and not self.notify_secret:
            raise SettingError(
                "setting NOTIFY_URL needs NOTIFY_SECRET: set it to the key the receiver checks X-IVR-Signature with"
            )
        for name, folder in (("AUDIO_DIR", self.audio_dir), ("SPOOL_DIR", self.spool_dir)):
            if folder.exists() and not folder.is_dir():
                raise SettingError(
                    f"setting {name}={str(folder)!r} is not a folder: name a folder (it may not exist yet)"
                )
        try:
            check_url(self.database_url)
        except StoreConfigError as exc:
            raise SettingError(f"setting {exc}") from None
        if self.sip_trunk_host and not _TRUNK_HOST.fullmatch(self.sip_trunk_host):
            raise SettingError(
                f"setting SIP_TRUNK_HOST={self.sip_trunk_host!r} is not valid: give the trunk's host name,"
                " optionally with :port, like trunk.example.com (no sip:, no user@)"
            )
        if bool(self.sip_trunk_username) != bool(self.sip_trunk_password):
            raise SettingError(
                "settings SIP_TRUNK_USERNAME and SIP_TRUNK_PASSWORD go together: set both, or neither"
                " for a trunk that admits Twilio by IP address"
            )

    def check_serving(self) -> None:
        """What the webhook service needs on top of valid values; ``create_app`` calls it."""
        if not self.production:
            return
        if not self.twilio_auth_token:
            raise SettingError(
                "setting TWILIO_AUTH_TOKEN is not set (or blank) but IVR_ENV=production: set it to the account's"
                " auth token, so every webhook's X-Twilio-Signature is checked"
            )
        if self.console_password and not self.console_secret_key:
            raise SettingError(
                "setting CONSOLE_SECRET_KEY is not set but IVR_ENV=production with CONSOLE_PASSWORD: set it (the same"
                " value on every worker) so console logins survive restarts and work across workers"
            )

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def sip_trunk(self) -> SipTrunk | None:
        """The trunk ``route: sip`` transfers go through, or ``None`` when SIP_TRUNK_HOST is unset."""
        if not self.sip_trunk_host:
            return None
        return SipTrunk(self.sip_trunk_host, self.sip_trunk_username, self.sip_trunk_password)

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> Settings:
        """From upper-case names (an environment, or ``create_app({...})``); unknown names are ignored.
        Raises ``SettingError`` for the first value that is not valid."""
        types = {f.name: f.type for f in fields(cls)}
        chosen: dict[str, object] = {}
        for env_name, field_name in NAMES.items():
            raw = values.get(env_name)
            if raw is None:
                continue
            text = raw if isinstance(raw, bool | int) else str(raw).strip()
            if text == "":
                continue  # unset, or only spaces: the default (a blank token is "not set")
            chosen[field_name] = _PARSERS[types[field_name]](env_name, text)
        return cls(**chosen)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, overrides: Mapping[str, object] | None = None) -> Settings:
        return cls.from_mapping({**os.environ, **(overrides or {})})


NAMES = {
    "MENU_FILE": "menu_file",
    "MENU_SNAPSHOT_DIR": "menu_snapshot_dir",
    "AUDIO_DIR": "audio_dir",
    "USE_AUDIO": "use_audio",
    "TWILIO_AUTH_TOKEN": "twilio_auth_token",
    "PUBLIC_BASE_URL": "public_base_url",
    "TRUSTED_PROXIES": "trusted_proxies",
    "IVR_ENV": "env",
    "MAX_BODY_BYTES": "max_body_bytes",
    "LOG_LEVEL": "log_level",
    "CONSOLE_PASSWORD": "console_password",
    "CONSOLE_SECRET_KEY": "console_secret_key",
    "SIP_TRUNK_HOST": "sip_trunk_host",
    "SIP_TRUNK_USERNAME": "sip_trunk_username",
    "SIP_TRUNK_PASSWORD": "sip_trunk_password",
    "PHONE_TARGET": "phone_target",
    "CALL_STORE": "call_store",
    "DATABASE_URL": "database_url",
    "SPOOL_DIR": "spool_dir",
    "SPOOL_SYNC": "spool_sync",
    "SPOOL_FORWARD_MS": "spool_forward_ms",
    "SPOOL_FORWARDER": "spool_forwarder",
    "NOTIFY_URL": "notify_url",
    "NOTIFY_SECRET": "notify_secret",
    "RETENTION_DAYS": "retention_days",
}


@dataclass(frozen=True)
class SipTrunk:
    """Where ``<Dial><Sip>`` goes: the host filled into the menu's ``sip_uri``, and its credentials
    (Twilio's ``<Sip username password>``, https://www.twilio.com/docs/voice/twiml/sip)."""

    host: str
    username: str = ""
    password: str = ""

    def __repr__(self) -> str:  # never print the password in a log or a traceback
        return f"SipTrunk(host={self.host!r}, username={self.username!r}, password={'***' if self.password else ''!r})"


_TRUNK_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.\-]*[A-Za-z0-9])?(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
_UNPRINTABLE = re.compile(r"[\s\x00-\x1f\x7f]")


def _boolean(name: str, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingError(f"setting {name}={raw!r} is not valid: use true or false")


def _integer(name: str, raw: object) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if not re.fullmatch(r"[+-]?[0-9]+", str(raw)):
        raise SettingError(f"setting {name}={raw!r} is not valid: give a whole number, like 0 or 250")
    return int(str(raw))


def _path(_name: str, raw: object) -> Path:
    return Path(str(raw))


def _text(_name: str, raw: object) -> str:
    return str(raw)


_PARSERS: dict[object, Callable[[str, object], object]] = {
    "Path": _path, "bool": _boolean, "int": _integer, "str": _text,
}  # fmt: skip


def _in_range(name: str, value: int, limits: tuple[int, int], meaning: str) -> None:
    low, high = limits
    if not low <= value <= high:
        raise SettingError(f"setting {name}={value} is out of range: give {meaning}, from {low} to {high}")


def _web_url(name: str, url: str) -> None:
    """An http(s) URL with a host (the port, when given, a number)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or _UNPRINTABLE.search(url):
        raise SettingError(
            f"setting {name}={url!r} is not valid: give an http:// or https:// URL with a host,"
            " like https://ivr.example.com/…"
        )


def _base_url(url: str) -> None:
    """PUBLIC_BASE_URL: what Twilio calls, without the path (the service adds /voice/… to it)."""
    _web_url("PUBLIC_BASE_URL", url)
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise SettingError(
            f"setting PUBLIC_BASE_URL={url!r} is not valid: give only the scheme and host Twilio calls,"
            f" like {parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''} (no path, query or user)"
        )
