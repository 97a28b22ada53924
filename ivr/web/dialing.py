"""What a transfer dials on this deployment: the menu's route and number, plus the environment's trunk.

The call core says *what* to reach (``flow.Transfer``: hotline, route, number, the file's caller
ID); this module adds what only the deployment knows, the SIP trunk (``Settings.sip_trunk``) and
the line's own number (the ``To`` Twilio sends with every webhook), and decides whether the
transfer can be dialled at all:

- ``pstn``: ``<Dial><Number>`` of the E.164 number (the validator allows nothing else);
- ``sip``: ``<Dial><Sip>`` of the menu's ``sip_uri`` with ``{number}`` and ``{trunk}`` filled in;
  undialable while ``{trunk}`` is needed and SIP_TRUNK_HOST is unset;
- always with a ``callerId``: the file's ``caller_id``, else the line's own number. Left to
  itself Twilio would pass on the caller's number, which Twilio refuses unless it is the calling
  number, the called number or a verified one (13214, https://www.twilio.com/docs/api/errors/13214),
  and which must not be a Chinese number on a call into China
  (https://support.twilio.com/hc/en-us/articles/360016488474-Calling-Limitations-to-China).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ivr.call.flow import Transfer
from ivr.menu.model import Tree
from ivr.menu.read_transfers import sip_address
from ivr.web.settings import SipTrunk


@dataclass(frozen=True)
class Dialable:
    """One ``<Dial>`` noun, ready to render."""

    noun: Literal["number", "sip"]
    address: str  # "+864006065500" or "sip:95188@trunk.example.com"
    caller_id: str
    username: str = ""
    password: str = ""


@dataclass(frozen=True)
class Undialable:
    """Why a transfer cannot be dialled here, in one line naming the setting to fix."""

    reason: str


def dial_plan(tree: Tree, transfer: Transfer, trunk: SipTrunk | None, line_number: str) -> Dialable | Undialable:
    """How ``transfer`` is dialled with ``trunk`` on the line whose own number is ``line_number``."""
    problem = route_problem(tree, transfer.hotline, trunk)
    if problem:
        return Undialable(problem)
    caller_id = transfer.caller_id or line_number.strip()
    if not caller_id:
        return Undialable(
            f"hotline '{transfer.hotline}': no caller ID to present (the webhook has no To, and the menu's"
            " transfers section sets no caller_id)"
        )
    if transfer.route == "pstn":
        return Dialable("number", transfer.number, caller_id)
    host = trunk.host if trunk else ""  # a sip_uri without {trunk} names its host itself
    address = sip_address(tree.transfers.sip_uri, transfer.number, host)
    if trunk is None:
        return Dialable("sip", address, caller_id)
    return Dialable("sip", address, caller_id, trunk.username, trunk.password)


def route_problem(tree: Tree, hotline_id: str, trunk: SipTrunk | None) -> str:
    """Why hotline ``hotline_id`` cannot be dialled with ``trunk`` ("" if it can)."""
    hotline = tree.hotlines.get(hotline_id)
    if hotline is None or hotline.route != "sip" or trunk is not None or not tree.transfers.needs_trunk_host:
        return ""
    return (
        f"hotline '{hotline_id}' ({hotline.source}) is routed by sip, but SIP_TRUNK_HOST is not set:"
        " set it to the SIP trunk's host (docs/going-live.md)"
    )


def startup_problem(tree: Tree, trunk: SipTrunk | None) -> str:
    """One line naming every hotline that cannot be dialled with ``trunk`` and the setting to fix ("" if none)."""
    stuck = [h for h in tree.hotlines if route_problem(tree, h, trunk)]
    if not stuck:
        return ""
    if len(stuck) == 1:
        return route_problem(tree, stuck[0], trunk)
    return (
        f"hotlines {', '.join(stuck)} ({tree.file}) are routed by sip, but SIP_TRUNK_HOST is not set:"
        " set it to the SIP trunk's host (docs/going-live.md)"
    )
