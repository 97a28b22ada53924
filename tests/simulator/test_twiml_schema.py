"""validate_twiml reports what Twilio would: 12100 parse failures, 12200 schema warnings, with lines."""

from __future__ import annotations

import ast
import inspect

import pytest
import twilio.twiml.voice_response as voice_response
from twilio.twiml import TwiML, lower_camel
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from ivr.simulator import validate_twiml
from ivr.simulator.twiml_schema import ATTRIBUTES, CHILDREN

GOOD = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Gather numDigits="1" action="/menu" finishOnKey="#" timeout="5" input="dtmf speech" language="cmn-Hans-CN">
    <Say language="cmn-CN" voice="Polly.Zhiyu">退款请按<break time="300ms"/>1</Say>
    <Play loop="2">https://example.com/a.wav</Play>
    <Pause length="1"/>
  </Gather>
  <Redirect method="POST">/voice</Redirect>
</Response>
"""


def test_a_clean_document_has_no_problems():
    assert validate_twiml(GOOD) == []


@pytest.mark.parametrize(
    ("attribute", "suggestion"),
    [("numdigits", "numDigits"), ("finishonkey", "finishOnKey"), ("NumDigits", "numDigits")],
)
def test_misspelled_attributes_are_12200_warnings_with_the_line(attribute, suggestion):
    doc = f'<Response>\n  <Say>hi</Say>\n  <Gather {attribute}="1">\n    <Say>x</Say>\n  </Gather>\n</Response>'
    (problem,) = validate_twiml(doc)
    assert (problem.code, problem.severity, problem.line) == (12200, "warning", 3)
    assert attribute in problem.message and suggestion in problem.message
    assert "line 3" in str(problem)


def test_malformed_xml_is_a_12100_error_with_the_line():
    doc = "<Response>\n  <Say>hi</Say>\n  <Gather>\n</Response>\n"
    (problem,) = validate_twiml(doc)
    assert (problem.code, problem.severity, problem.line) == (12100, "error", 4)


def test_text_before_the_xml_declaration_is_a_12100():
    (problem,) = validate_twiml('\n<?xml version="1.0"?><Response/>')
    assert problem.code == 12100 and problem.line == 2


def test_a_root_other_than_response_is_a_12100():
    (problem,) = validate_twiml("<response><Say>hi</Say></response>")
    assert problem.code == 12100 and "<Response>" in problem.message


def test_an_empty_body_is_a_12100():
    (problem,) = validate_twiml("")
    assert problem.code == 12100


def test_unknown_and_misplaced_verbs_are_12200_with_their_lines():
    doc = "<Response>\n<Gather>\n<Dial>123</Dial>\n</Gather>\n<say>lower case</say>\n</Response>"
    problems = validate_twiml(doc)
    assert [(p.code, p.line) for p in problems] == [(12200, 3), (12200, 5)]
    assert "<Dial> is not allowed inside <Gather>" in problems[0].message
    assert "<say> is not a TwiML element" in problems[1].message


def test_wrongly_typed_values_are_12200():
    doc = '<Response>\n<Gather numDigits="one" method="PUT"/>\n<Say loop="-1">x</Say>\n</Response>'
    assert [(p.code, p.line) for p in validate_twiml(doc)] == [(12200, 2), (12200, 2), (12200, 3)]


def test_stray_text_in_response_is_12200():
    (problem,) = validate_twiml("<Response>\n  hello\n  <Hangup/>\n</Response>")
    assert problem.code == 12200 and problem.line == 2


def test_twiml_built_with_the_helper_library_validates_clean():
    r = VoiceResponse()
    g = Gather(num_digits=1, action="/m", input="dtmf speech", action_on_empty_result=True, speech_timeout="auto")
    g.say("hi", language="cmn-CN", voice="Polly.Zhiyu")
    g.pause(length=1)
    r.append(g)
    d = Dial(caller_id="+8657100000000", timeout=10, action="/d")
    d.number("+8613900000000")
    r.append(d)
    r.record(max_length=30, finish_on_key="#", play_beep=False)
    r.redirect("/x", method="GET")
    r.reject(reason="busy")
    assert validate_twiml(str(r)) == []


def _library_attributes() -> dict[str, set[str]]:
    """Every (element, attribute) the installed helper library can emit, read from its source."""
    tree = ast.parse(inspect.getsource(voice_response))
    classes = {c.name: c for c in tree.body if isinstance(c, ast.ClassDef)}

    def element_name(cls: str) -> str:
        for node in ast.walk(classes[cls]):
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "attr", None) == "name":
                return node.value.value
        return cls

    def body_params(cls: str) -> set[str]:
        init = next(f for f in classes[cls].body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
        return {a.arg for a in init.args.args[1:]}

    found: dict[str, set[str]] = {}
    for cls in classes.values():
        for fn in cls.body:
            if not isinstance(fn, ast.FunctionDef) or fn.name.startswith("_"):
                continue
            calls = [n for n in ast.walk(fn) if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "nest"]
            if not calls:
                continue
            child = calls[0].args[0].func.id
            params = [a.arg for a in fn.args.args[1:] if a.arg not in body_params(child)]
            found.setdefault(element_name(child), set()).update(lower_camel(TwiML.MAP.get(p, p)) for p in params)
    return found


def test_the_schema_accepts_every_attribute_the_helper_library_emits():
    """If this fails after a twilio upgrade, add the new attributes to twiml_schema.ATTRIBUTES."""
    library = _library_attributes()
    assert "Gather" in library and "numDigits" in library["Gather"]
    missing = {el: sorted(attrs - ATTRIBUTES.get(el, frozenset())) for el, attrs in library.items()}
    assert {el: attrs for el, attrs in missing.items() if attrs} == {}


def test_gather_may_hold_only_say_play_and_pause():
    assert frozenset({"Say", "Play", "Pause"}) == CHILDREN["Gather"]
