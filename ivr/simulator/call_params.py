"""The parameters Twilio sends with every voice webhook request, and the call's identifiers.

From "TwiML Voice: Twilio's Request" (https://www.twilio.com/docs/usage/webhooks/voice-webhooks,
formerly https://www.twilio.com/docs/api/twiml/twilio_request): every request carries
``CallSid``, ``AccountSid`` (34 characters, ``AC`` + 32 hex), ``From``, ``To``,
``CallStatus``, ``ApiVersion`` and ``Direction``; the older ``Caller``/``Called`` duplicates
of From/To are still sent; geographic data (``FromCountry``, ``ToCountry`` ...) is sent "if
available".  The simulator derives the two country codes from the E.164 prefix and leaves
out city/state/zip, which it cannot know -- an app must cope with their absence anyway.

``CallStatus`` is ``ringing`` on the first request of an inbound call and ``in-progress``
on the requests made while the call is up (Gather/Record/Dial actions, Redirects); the
status callback at the end says ``completed`` (or ``busy``/``no-answer`` for a rejected
call).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

API_VERSION = "2010-04-01"

# E.164 country calling codes -> ISO 3166 country, longest prefix first.  Only codes the
# simulator's users are likely to type; unknown prefixes send no FromCountry/ToCountry.
_COUNTRY_CODES: tuple[tuple[str, str], ...] = (
    ("852", "HK"),
    ("853", "MO"),
    ("886", "TW"),
    ("86", "CN"),
    ("81", "JP"),
    ("82", "KR"),
    ("65", "SG"),
    ("61", "AU"),
    ("49", "DE"),
    ("44", "GB"),
    ("33", "FR"),
    ("91", "IN"),
    ("1", "US"),
)


def country_of(number: str) -> str | None:
    """ISO country of an E.164 number (``+86...`` -> ``CN``), or None when unknown."""
    if not number.startswith("+"):
        return None
    digits = number[1:]
    for prefix, country in _COUNTRY_CODES:
        if digits.startswith(prefix):
            return country
    return None


class SidFactory:
    """Makes Twilio-shaped SIDs (two letters + 32 hex); seedable so replays are identical.

    The n-th SID is a hash of the seed and n, so a copy is just the two numbers: ``ivr paths``
    forks a call thousands of times, and copying a random generator's state cost a tenth of a fork.
    """

    def __init__(self, seed: int | str | None = None) -> None:
        self._seed = secrets.token_hex(16) if seed is None else str(seed)
        self._made = 0

    def make(self, prefix: str) -> str:
        """A new SID such as ``CA3f...`` (prefix + 32 lower-case hex digits)."""
        self._made += 1
        return prefix + hashlib.blake2b(f"{self._seed}/{self._made}".encode(), digest_size=16).hexdigest()

    def copy(self) -> SidFactory:
        """An independent factory that makes the same SIDs from here on (for a forked call)."""
        twin = SidFactory(self._seed)
        twin._made = self._made
        return twin


@dataclass
class CallParties:
    """Who is calling whom, and the identifiers of this call."""

    from_: str
    to: str
    call_sid: str
    account_sid: str
    direction: str = "inbound"
    extra: dict[str, str] = field(default_factory=dict)

    def params(self, call_status: str) -> dict[str, str]:
        """The standard parameters of a voice request in the given call status."""
        params = {
            "CallSid": self.call_sid,
            "AccountSid": self.account_sid,
            "From": self.from_,
            "To": self.to,
            "Caller": self.from_,
            "Called": self.to,
            "CallStatus": call_status,
            "Direction": self.direction,
            "ApiVersion": API_VERSION,
        }
        for role, number in (("From", self.from_), ("To", self.to), ("Caller", self.from_), ("Called", self.to)):
            country = country_of(number)
            if country:
                params[f"{role}Country"] = country
        params.update(self.extra)
        return params
