"""The ``transfers`` section, and each hotline's ``route``: how a transfer leaves Twilio.

A hotline is reached by PSTN (``<Dial><Number>``: Twilio places the call, and a ``<Number>`` must
be E.164, https://www.twilio.com/docs/voice/twiml/number) or through a SIP trunk (``<Dial><Sip>``:
a carrier behind the trunk places it; the only way to reach numbers that a domestic carrier alone
can dial, such as China's 95xxx and 400 service numbers). Twilio has not placed calls to mainland
China since 2023-11-30 (https://support.twilio.com/hc/en-us/articles/360016488474-Calling-Limitations-to-China),
so a +86 number routed by PSTN is reported too.

The file says which route and what SIP address to dial; the trunk's host and credentials are
deployment secrets and come from the environment (``SIP_TRUNK_HOST``, …), never from the file.
"""

from __future__ import annotations

import re
import string
from typing import Any

from ivr.menu.diagnostics import did_you_mean
from ivr.menu.fields import Field, one_of_values, string_of
from ivr.menu.model import DEFAULT_SIP_URI, ROUTES, Hotline, Route, Transfers
from ivr.menu.reading import Reading
from ivr.menu.yaml_source import LocatedDict

CHINA_ARTICLE = "https://support.twilio.com/hc/en-us/articles/360016488474-Calling-Limitations-to-China"
# E.164: "+", a country code that does not start with 0, at most 15 digits in all (ITU-T E.164;
# Twilio warning 13223, https://www.twilio.com/docs/api/errors/13223).
E164 = re.compile(r"\+[1-9][0-9]{7,14}")
# For SIP calls Twilio's callerId may be "any alphanumeric string, optionally with +-_." and no
# whitespace (https://www.twilio.com/docs/voice/twiml/sip).
SIP_CALLER_ID = re.compile(r"[A-Za-z0-9+\-_.]+")
SIP_PLACEHOLDERS = frozenset({"number", "trunk"})
SIP_URI_MAX = 255  # "a valid SIP URI under 255 characters" (https://www.twilio.com/docs/voice/twiml/sip)
# Time zones of mainland China: a hotline kept in one of them is suggested the +86 form.
CHINA_ZONES = frozenset({"Asia/Shanghai", "Asia/Urumqi", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"})
SHORT_NUMBER = 7  # fewer digits than this: a short code (95188), dialable only inside its own network
TRANSFER_FIELDS = {
    "route": Field(
        "the route of every hotline that names none: pstn (Twilio dials an E.164 number) or sip (the SIP trunk)",
        one_of_values(ROUTES),
        default="pstn",
    ),
    "sip_uri": Field(
        "the SIP address of a sip transfer: {number} is the hotline's digits, {trunk} the SIP_TRUNK_HOST setting",
        string_of(r"^sips?:"),
        default=DEFAULT_SIP_URI,
    ),
    "caller_id": Field(
        'the caller ID of every transfer: E.164 ("+1 415 555 0100"), or for sip a name without spaces;'
        " default: the line's own number",
        string_of(),
    ),
}


def read_transfers(reading: Reading, data: LocatedDict) -> Transfers:
    """The line's default route, SIP address template and caller ID; defaults when the section is absent."""
    section = reading.section(data, "transfers", "the file", required=False)
    if section is None:
        return Transfers("pstn", DEFAULT_SIP_URI, None, reading.src(1))
    reading.fields(section, TRANSFER_FIELDS, "transfers")
    # A wrong route is reported once; meanwhile "sip" (which takes any number) keeps it from
    # dragging a false "not E.164" error into every hotline. The file is not served until it is fixed.
    route = read_route(reading, section, "transfers") or ("sip" if "route" in section else "pstn")
    sip_uri = _sip_uri(reading, section)
    caller_id, caller_line = None, None
    if "caller_id" in section:
        caller_line = section.line_of("caller_id")
        caller_id = _caller_id(reading, section["caller_id"], caller_line)
    return Transfers(
        route=route,
        sip_uri=sip_uri,
        caller_id=caller_id,
        source=reading.src(section.line),
        caller_id_source=reading.src(caller_line) if caller_line else None,
    )


def read_route(reading: Reading, spec: LocatedDict, what: str) -> Route | None:
    """``route: pstn`` or ``route: sip``; ``None`` when absent or wrong (the error is reported)."""
    if "route" not in spec:
        return None
    value = spec["route"]
    if value not in ROUTES:
        reading.error(
            spec.line_of("route"),
            f"{what} route '{value}' is not a route: use pstn (Twilio dials an E.164 number) or sip"
            f" (through the SIP trunk){did_you_mean(str(value), ROUTES)}",
        )
        return None
    return value


def check_route(reading: Reading, hotline: Hotline, line: int, zone: str | None) -> bool:
    """Whether ``hotline``'s number can go by its route; reported at ``line`` (the number's) if not.

    PSTN needs E.164 (an error, with the international form to write); a mainland-China number by
    PSTN is a warning, because Twilio no longer places such calls. SIP takes any number the carrier
    behind the trunk can dial.
    """
    if hotline.route != "pstn":
        return True
    what = f"hotline '{hotline.id}'"
    if not hotline.number.startswith("+"):
        reading.error(line, f"{what} number '{hotline.number_display}' {_pstn_fix(hotline, zone)}")
        return False
    if hotline.number.startswith("+86"):
        reading.warning(
            line,
            f"{what} number '{hotline.number_display}' is in mainland China and routed by pstn, but Twilio"
            f" has not placed calls to mainland China since 2023-11-30 ({CHINA_ARTICLE}): set route: sip"
            " to dial it through a trunk with a mainland carrier",
        )
    return True


def check_caller_id(reading: Reading, transfers: Transfers, hotlines: dict[str, Hotline]) -> None:
    """A caller ID that is not a phone number only works on SIP transfers: Twilio's <Number> callerId
    must be a Twilio number or a verified one (13214, https://www.twilio.com/docs/api/errors/13214)."""
    caller_id, source = transfers.caller_id, transfers.caller_id_source
    if caller_id is None or source is None or E164.fullmatch(caller_id):
        return
    pstn = sorted(h.id for h in hotlines.values() if h.route == "pstn")
    if pstn:
        reading.error(
            source.line,
            f"transfers caller_id '{caller_id}' is not an E.164 number, so it cannot be shown on a pstn"
            f" transfer ({', '.join(pstn)}): Twilio needs a Twilio number or a verified caller ID,"
            ' like "+1 415 555 0100" (error 13214)',
        )


def sip_address(template: str, number: str, trunk: str) -> str:
    """The SIP URI of one transfer: ``template`` with the hotline's digits and the trunk host."""
    return template.format(number=number, trunk=trunk)


def _sip_uri(reading: Reading, section: LocatedDict) -> str:
    if "sip_uri" not in section:
        return DEFAULT_SIP_URI
    value, line = section["sip_uri"], section.line_of("sip_uri")
    if not isinstance(value, str) or not value.strip():
        reading.error(line, f'transfers sip_uri must be text like "{DEFAULT_SIP_URI}"')
        return DEFAULT_SIP_URI
    value = value.strip()
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError as exc:
        reading.error(line, f"transfers sip_uri '{value}' has a broken {{placeholder}}: {exc}")
        return DEFAULT_SIP_URI
    ok = True
    for name in sorted(names - SIP_PLACEHOLDERS):
        reading.error(line, f"transfers sip_uri uses {{{name}}}: only {{number}} and {{trunk}} are filled in")
        ok = False
    if "number" not in names:
        reading.error(
            line,
            f"transfers sip_uri '{value}' has no {{number}}: every hotline would dial the same address;"
            f' write it like "{DEFAULT_SIP_URI}"',
        )
        ok = False
    if not re.fullmatch(r"sips?:[^\s@]+@[^\s@]+", value):
        reading.error(line, f"transfers sip_uri '{value}' is not a SIP address like \"{DEFAULT_SIP_URI}\"")
        ok = False
    return value if ok else DEFAULT_SIP_URI


def _caller_id(reading: Reading, value: Any, line: int) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        reading.error(line, f'transfers caller_id must be in quotes ("+{value}")')
        return None
    if not isinstance(value, str) or not value.strip():
        reading.error(line, 'transfers caller_id must be the number to show, like "+1 415 555 0100"')
        return None
    compact = re.sub(r"[\s\-().]", "", value)
    if E164.fullmatch(compact):
        return compact
    if SIP_CALLER_ID.fullmatch(value.strip()) and not compact.startswith("+"):
        return value.strip()
    reading.error(
        line,
        f"transfers caller_id '{value}' is neither an E.164 number (\"+1 415 555 0100\") nor a SIP caller ID"
        " (letters, digits and + - _ . without spaces)",
    )
    return None


def _pstn_fix(hotline: Hotline, zone: str | None) -> str:
    digits = hotline.number
    if len(digits) < SHORT_NUMBER:
        return (
            "is routed by pstn, but it is a short number that only a carrier inside its own country can dial"
            " (Twilio's <Number> needs an international, E.164, number): set route: sip to dial it through"
            " the SIP trunk"
        )
    groups = re.findall(r"[0-9]+", hotline.number_display)
    if groups and groups[0].startswith("0"):  # the national trunk prefix is not dialled from abroad
        groups[0] = groups[0][1:]
    country = "86" if zone in CHINA_ZONES else "<country code>"
    fixed = " ".join(["+" + country, *[g for g in groups if g]])
    return (
        "is routed by pstn, and Twilio's <Number> needs an international (E.164) number: write it with + and"
        f' the country code, like "{fixed}", or set route: sip to dial it through the SIP trunk'
    )
