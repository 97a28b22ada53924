"""Every document the service can send for the shipped menus uses only TwiML that Twilio documents.

Twilio silently ignores a misspelled attribute (warning 12200): a peer project shipped
``numdigits`` for years. So every node of every shipped tree is rendered in every language and in
every situation (arriving, silence, a wrong key, each dial outcome, open and closed hours, the
voicemail), and each document is checked against the simulator's TwiML schema: documented verbs,
camelCase attributes with documented values, documented nesting (<Gather> holds only <Say>,
<Play>, <Pause>).

Every <Dial> among them must be one Twilio can place: a <Number> in E.164 or a <Sip>, always with
a callerId (left out, Twilio passes on the caller's own number, 13214; Twilio places no PSTN call
into mainland China, so the shipped wallet line goes through the SIP trunk).
"""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from freezegun import freeze_time

from ivr.menu.loader import load_tree
from ivr.menu.model import InfoNode, LanguageNode, MenuNode, TransferNode
from ivr.simulator import validate_twiml
from ivr.web import create_app

ROOT = Path(__file__).parents[2]
TREES = [*sorted(ROOT.glob("menus/*.yaml")), ROOT / "menus" / "examples" / "minimal.yaml"]
MOMENTS = ("2026-11-24 03:00:00", "2026-11-24 16:30:00", "2027-02-06 02:00:00")  # day, night, holiday
LINE = "+14155550100"  # the line's own number, sent by Twilio as To with every webhook
TRUNK = "trunk.example.com"
E164 = re.compile(r"\+[1-9][0-9]{7,14}")


class TwilioClient:
    """A test client that sends what Twilio sends with every webhook: the line's number as To."""

    def __init__(self, app):
        self.client = app.test_client()

    def post(self, path: str, data: dict | None = None):
        return self.client.post(path, data={"To": LINE, "Called": LINE, **(data or {})})


def documents(menu: Path):
    tree = load_tree(menu)
    app = create_app({"MENU_FILE": str(menu), "AUDIO_DIR": "/nonexistent", "SIP_TRUNK_HOST": TRUNK})
    client = TwilioClient(app)
    yield "incoming", client.post("/voice/incoming")
    for node_id, node in tree.nodes.items():
        for lang in tree.language_codes:
            base = f"/voice/node/{node_id}"
            query = f"?lang={lang}&trail={tree.main_menu}"
            yield f"{node_id} {lang} enter", client.post(base + query)
            if isinstance(node, LanguageNode | MenuNode | InfoNode):
                yield f"{node_id} {lang} silence", client.post(base + "/input" + query)
                yield f"{node_id} {lang} wrong key", client.post(base + "/input" + query, data={"Digits": "#"})
                yield f"{node_id} {lang} last silence", client.post(base + "/input" + query + "&ni=9")
                for key in "0123456789*":
                    yield f"{node_id} {lang} key {key}", client.post(base + "/input" + query, data={"Digits": key})
            if isinstance(node, TransferNode):
                for moment in MOMENTS:
                    with freeze_time(moment):
                        yield f"{node_id} {lang} at {moment}", client.post(base + query)
                        for key in "12":
                            yield (
                                f"{node_id} {lang} closed key {key}",
                                client.post(base + "/input" + query + "&mode=closed", data={"Digits": key}),
                            )
                for status in ("completed", "busy", "no-answer", "failed", "canceled"):
                    yield (
                        f"{node_id} {lang} dial {status}",
                        client.post(base + "/dialed" + query, data={"DialCallStatus": status}),
                    )
                for key in "12":
                    yield (
                        f"{node_id} {lang} failed key {key}",
                        client.post(base + "/input" + query + "&mode=failed", data={"Digits": key}),
                    )
                yield f"{node_id} {lang} recorded", client.post(base + "/recorded" + query)


@pytest.mark.parametrize("menu", TREES, ids=lambda p: p.name)
def test_every_document_is_twiml_that_twilio_documents(menu):
    checked = 0
    for situation, response in documents(menu):
        assert response.status_code == 200, f"{situation}: HTTP {response.status_code}"
        problems = validate_twiml(response.get_data(as_text=True))
        assert not problems, f"{situation}:\n" + "\n".join(map(str, problems)) + "\n" + response.get_data(True)
        checked += 1
    assert checked > 50


def dials_of(body: str) -> list[ET.Element]:
    return ET.fromstring(body).findall(".//Dial")


@pytest.mark.parametrize("menu", TREES, ids=lambda p: p.name)
def test_every_dial_is_one_twilio_can_place(menu):
    """<Number> only in E.164, or one <Sip> at the trunk; always a callerId, the line's own number."""
    dials = 0
    for situation, response in documents(menu):
        for dial in dials_of(response.get_data(as_text=True)):
            dials += 1
            nouns = list(dial)
            assert dial.get("callerId") == LINE, situation
            assert len(nouns) == 1 and nouns[0].tag in ("Number", "Sip"), situation
            noun = nouns[0]
            if noun.tag == "Number":
                assert E164.fullmatch(noun.text or ""), f"{situation}: <Number>{noun.text}</Number> is not E.164"
            else:
                assert re.fullmatch(rf"sip:[0-9+]+@{re.escape(TRUNK)}", noun.text or ""), situation
    assert dials > 0  # the shipped trees do transfer


def test_the_wallet_line_dials_its_hotlines_through_the_trunk():
    """95188 and the 400 numbers are reachable only inside mainland China: every wallet hotline is a <Sip>."""
    seen = set()
    for _situation, response in documents(ROOT / "menus" / "wallet.yaml"):
        for dial in dials_of(response.get_data(as_text=True)):
            seen.add((dial[0].tag, dial[0].text))
    assert {tag for tag, _ in seen} == {"Sip"}
    assert {text for _, text in seen} >= {"sip:95188@trunk.example.com", "sip:4006065500@trunk.example.com"}


def test_the_schema_check_would_catch_a_misspelled_attribute():
    """The check above is only worth something if it fails on the classic mistake."""
    bad = '<?xml version="1.0"?><Response><Gather numdigits="1"><Say>hi</Say></Gather></Response>'
    assert [p.code for p in validate_twiml(bad)] == [12200]
