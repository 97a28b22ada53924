"""Service settings, from the environment with documented defaults.

| variable            | default              | meaning                                                    |
|---------------------|----------------------|------------------------------------------------------------|
| MENU_FILE           | menus/wallet.yaml    | the menu tree to serve (re-read when it changes)           |
| AUDIO_DIR           | audio                | pre-rendered prompts (``ivr audio build``)                  |
| USE_AUDIO           | true                 | ``false``: every prompt is <Say>, even where audio exists   |
| TWILIO_AUTH_TOKEN   | (unset)              | checks X-Twilio-Signature on every webhook when set        |
| PUBLIC_BASE_URL     | (unset)              | the URL Twilio calls, e.g. https://ivr.example.com; used   |
|                     |                      | for signatures and absolute audio URLs                     |
| TRUSTED_PROXIES     | 0                    | how many proxies in front set X-Forwarded-Proto/Host       |
| IVR_ENV             | development          | ``production`` refuses to start without a token            |
| MAX_BODY_BYTES      | 16384                | larger webhook bodies are refused (Twilio's are ~1-2 KiB)  |
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
| NOTIFY_URL          | (unset)              | new messages are POSTed here as signed JSON                 |
| NOTIFY_SECRET       | (unset)              | the HMAC-SHA256 key for NOTIFY_URL's X-IVR-Signature       |
| RETENTION_DAYS      | 90                   | ``ivr calls purge`` deletes calls older than this          |

Without SIP_TRUNK_HOST a ``route: sip`` hotline cannot be dialled: in production the service
refuses to start; in development it warns and callers who reach that transfer are told it did
not go through and offered a message or the number (``ivr.web.dialing``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    menu_file: Path = Path("menus/wallet.yaml")
    audio_dir: Path = Path("audio")
    use_audio: bool = True
    twilio_auth_token: str = ""
    public_base_url: str = ""
    trusted_proxies: int = 0
    env: str = "development"
    max_body_bytes: int = 16384
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
    notify_url: str = ""
    notify_secret: str = ""
    retention_days: int = 90

    def __post_init__(self) -> None:
        if self.sip_trunk_host and not _TRUNK_HOST.fullmatch(self.sip_trunk_host):
            raise ValueError(
                f"setting SIP_TRUNK_HOST={self.sip_trunk_host!r} is not valid: give the trunk's host name,"
                " optionally with :port, like trunk.example.com (no sip:, no user@)"
            )
        if bool(self.sip_trunk_username) != bool(self.sip_trunk_password):
            raise ValueError(
                "settings SIP_TRUNK_USERNAME and SIP_TRUNK_PASSWORD go together: set both, or neither"
                " for a trunk that admits Twilio by IP address"
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
        """From upper-case names (an environment, or ``create_app({...})``); unknown names are ignored."""
        names = {
            "MENU_FILE": "menu_file",
            "AUDIO_DIR": "audio_dir",
            "USE_AUDIO": "use_audio",
            "TWILIO_AUTH_TOKEN": "twilio_auth_token",
            "PUBLIC_BASE_URL": "public_base_url",
            "TRUSTED_PROXIES": "trusted_proxies",
            "IVR_ENV": "env",
            "MAX_BODY_BYTES": "max_body_bytes",
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
            "NOTIFY_URL": "notify_url",
            "NOTIFY_SECRET": "notify_secret",
            "RETENTION_DAYS": "retention_days",
        }
        types = {f.name: f.type for f in fields(cls)}
        chosen: dict[str, object] = {}
        for env_name, field_name in names.items():
            if env_name not in values or values[env_name] in (None, ""):
                continue
            raw = values[env_name]
            kind = types[field_name]
            try:
                if kind == "Path":
                    chosen[field_name] = Path(str(raw))
                elif kind == "bool":
                    chosen[field_name] = _boolean(raw)
                elif kind == "int":
                    chosen[field_name] = int(str(raw))
                else:
                    chosen[field_name] = str(raw)
            except ValueError as exc:
                raise ValueError(f"setting {env_name}={raw!r} is not valid: {exc}") from None
        return cls(**chosen)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, overrides: Mapping[str, object] | None = None) -> Settings:
        return cls.from_mapping({**os.environ, **(overrides or {})})


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


def _boolean(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("use true or false")
