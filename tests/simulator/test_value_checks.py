"""Values Twilio rejects are reported with Twilio's own code (one test per check), and good ones pass.

The codes and their pages: ``ivr/simulator/data/twilio_errors.json``.  Every case here is a
document Twilio would log (or fail) the way the expected code says.
"""

from __future__ import annotations

import pytest

from ivr.simulator import validate_twiml


def codes(body: str) -> list[tuple[int, str]]:
    return [(p.code, p.severity) for p in validate_twiml(f"<Response>{body}</Response>")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param('<Say voice="Polly.Zhiyou">你好</Say>', [(13511, "warning")], id="13511-no-such-voice"),
        pytest.param(
            '<Say voice="Polly.Joanna" language="cmn-CN">你好</Say>', [(13511, "warning")], id="13511-voice-language"
        ),
        pytest.param('<Say language="cmn-CN">你好</Say>', [(13511, "warning")], id="13511-man-speaks-no-mandarin"),
        pytest.param(
            '<Gather input="speech" language="cmn-Hans-CN"><Say voice="alice" language="xx-XX">hi</Say></Gather>',
            [(13511, "warning")],
            id="13511-inside-gather",
        ),
        pytest.param("<Say></Say>", [(13520, "warning")], id="13520-empty-say"),
        pytest.param("<Say>   </Say>", [(13520, "warning")], id="13520-blank-say"),
        pytest.param('<Gather input="speech" language="en"/>', [(13512, "warning")], id="13512-en-is-not-a-tag"),
        pytest.param('<Gather input="speech" language="zh-CN"/>', [(13512, "warning")], id="13512-zh-CN"),
        pytest.param(
            '<Gather input="speech" speechTimeout="auto" speechModel="phone_call"/>',
            [(13335, "warning")],
            id="13335-auto-with-model",
        ),
        pytest.param(
            '<Gather input="speech" hints="' + ", ".join(f"w{i}" for i in range(501)) + '"/>',
            [(13330, "warning")],
            id="13330-too-many-hints",
        ),
        pytest.param('<Gather input="speech" hints="' + "x" * 101 + '"/>', [(13330, "warning")], id="13330-long-hint"),
        pytest.param('<Gather timeout="0"/>', [(13313, "warning")], id="13313-gather-timeout"),
        pytest.param("<Dial><Number>95188</Number></Dial>", [(13224, "error")], id="13224-short-number"),
        pytest.param("<Dial>4006065500</Dial>", [(13224, "error")], id="13224-bare-dial-text"),
        pytest.param("<Dial><Number>+86 400 606 5500</Number></Dial>", [(13223, "warning")], id="13223-separators"),
        pytest.param("<Dial><Sip>trunk.example.com</Sip></Dial>", [(13243, "warning")], id="13243-no-scheme"),
        pytest.param("<Dial><Sip>sip:95188@bad host</Sip></Dial>", [(13243, "warning")], id="13243-space-in-host"),
        pytest.param('<Dial timeout="4"><Number>+15005550006</Number></Dial>', [(13212, "warning")], id="13212-low"),
        pytest.param('<Dial timeout="601"><Number>+15005550006</Number></Dial>', [(13212, "warning")], id="13212-high"),
        pytest.param('<Dial timeLimit="0"><Number>+15005550006</Number></Dial>', [(13216, "warning")], id="13216"),
        pytest.param('<Record maxLength="14401"/>', [(13612, "warning")], id="13612-max-length"),
        pytest.param('<Record timeout="-1"/>', [(13611, "warning")], id="13611-record-timeout"),
    ],
)
def test_a_value_twilio_rejects_is_reported_with_its_code(body, expected):
    assert codes(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        '<Say voice="Polly.Zhiyu" language="cmn-CN">你好</Say>',
        '<Say voice="Polly.Zhiyu-Neural">你好</Say>',
        '<Say voice="Polly.Joanna" language="en-US">Hello</Say>',
        '<Say voice="alice" language="zh-CN">你好</Say>',
        '<Say voice="woman" language="en-GB">Hello</Say>',
        '<Say voice="Google.cmn-CN-Standard-A" language="cmn-CN">你好</Say>',
        '<Say voice="Google.en-US-Chirp3-HD-Aoede">Hello</Say>',
        "<Say>Hello</Say>",
        '<Gather input="speech" language="cmn-Hans-CN" speechTimeout="auto" hints="退款, 人工"/>',
        '<Gather input="speech" speechModel="phone_call" speechTimeout="3"/>',
        '<Dial timeout="5" timeLimit="14400" callerId="+14155550100"><Number>+864006065500</Number></Dial>',
        '<Dial timeout="600"><Sip>sip:95188@trunk.example.com;transport=tls</Sip></Dial>',
        "<Dial><Sip>sips:user:secret@10.0.0.1:5061?X-Tag=1</Sip></Dial>",
        '<Record maxLength="14400" timeout="0"/>',
    ],
)
def test_values_twilio_accepts_pass(body):
    assert codes(body) == []


def test_the_problem_names_the_line_and_twilios_title():
    problem = validate_twiml('<Response>\n  <Say voice="Polly.Zhiyou">你好</Say>\n</Response>')[0]
    assert problem.line == 2
    assert str(problem).startswith("WARNING 13511 (line 2, column 3): Say: Invalid voice value: ")
