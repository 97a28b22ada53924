"""What Twilio accepts in a voice TwiML document, and a validator that says what it rejects.

Twilio checks a document in two stages, and so does :func:`validate_twiml`:

* **12100 Document parse failure** (an *error*): the body is not well-formed XML, or its
  root is not ``<Response>``.  Twilio cannot run any of it.  Causes listed by Twilio: a leading
  space or empty line before the XML declaration, a missing root ``<Response>``, an unclosed
  element, an unquoted attribute, improper nesting.
  https://www.twilio.com/docs/api/errors/12100
* **12200 Schema validation warning** (a *warning*): well-formed XML that does not conform to
  the TwiML schema -- an unknown verb or noun, a verb nested where it may not be (e.g.
  ``<Dial>`` inside ``<Gather>``), an attribute the element does not have (names are
  case-sensitive camelCase, so ``numdigits`` is not ``numDigits``), or a value of the wrong
  type.  Twilio logs it and runs what it understands, which is exactly how a typo silently
  turns into a default.  https://www.twilio.com/docs/api/errors/12200

Where the tables come from: the element names, their attributes and the allowed nesting were
generated from the ``twilio`` helper library's generated TwiML classes
(``twilio/twiml/voice_response.py``, twilio 9.13: every ``nest(...)`` call gives a parent/child
pair, every keyword argument an attribute, converted with ``twilio.twiml.lower_camel`` and
``TwiML.MAP``), then checked against the TwiML reference
(https://www.twilio.com/docs/voice/twiml).  ``tests/simulator/test_twiml_schema.py`` keeps
them honest: every attribute the installed helper library can emit must be accepted here, so
TwiML built with ``VoiceResponse`` never triggers a false warning.  Attributes documented by
Twilio but not (yet) in the helper library are listed in ``_DOCUMENTED_EXTRAS``.

Line numbers come from expat, which reports the line of each start tag; that is what a person
needs to find the offending element in the rendered document.
"""

from __future__ import annotations

import difflib
import re
import xml.parsers.expat
from collections.abc import Iterator

from ivr.simulator.twiml_tree import Node, ParsedTwiML, Problem, TextRun
from ivr.simulator.value_checks import value_problems

PARSE_FAILURE = 12100
SCHEMA_WARNING = 12200

# ---------------------------------------------------------------------------------------------
# The schema
# ---------------------------------------------------------------------------------------------

#: Attributes of each element (camelCase, case-sensitive, as Twilio reads them).
ATTRIBUTES: dict[str, frozenset[str]] = {
    "Response": frozenset(),
    "AiSession": frozenset(["aiConnector", "aiSessionConfiguration"]),
    "Application": frozenset(
        ["copyParentTo", "customerId", "method", "statusCallback", "statusCallbackEvent", "statusCallbackMethod", "url"]
    ),
    "ApplicationSid": frozenset(),
    "Autopilot": frozenset(),
    "Client": frozenset(["method", "statusCallback", "statusCallbackEvent", "statusCallbackMethod", "url"]),
    "Conference": frozenset(
        [
            "beep",
            "coach",
            "endConferenceOnExit",
            "eventCallbackUrl",
            "jitterBufferSize",
            "maxParticipants",
            "muted",
            "participantLabel",
            "record",
            "recordingConfigurationId",
            "recordingStatusCallback",
            "recordingStatusCallbackEvent",
            "recordingStatusCallbackMethod",
            "region",
            "startConferenceOnEnter",
            "statusCallback",
            "statusCallbackEvent",
            "statusCallbackMethod",
            "trim",
            "waitMethod",
            "waitUrl",
        ]
    ),
    "Config": frozenset(["name", "value"]),
    "Connect": frozenset(["action", "method"]),
    "Conversation": frozenset(
        [
            "inboundAutocreation",
            "inboundTimeout",
            "method",
            "record",
            "recordingStatusCallback",
            "recordingStatusCallbackEvent",
            "recordingStatusCallbackMethod",
            "routingAssignmentTimeout",
            "serviceInstanceSid",
            "statusCallback",
            "statusCallbackEvent",
            "statusCallbackMethod",
            "trim",
            "url",
        ]
    ),
    "ConversationRelay": frozenset(
        [
            "applicationReconnect",
            "asrSmartFormat",
            "backgroundNoiseReduction",
            "customerName",
            "debug",
            "deepgramSmartFormat",
            "dtmfDetection",
            "eagerEotThreshold",
            "echoPromptFiltering",
            "elevenlabsLanguageTextNormalization",
            "elevenlabsTextNormalization",
            "events",
            "hints",
            "ignoreBackchannel",
            "includeInPrompt",
            "intelligenceService",
            "interruptSensitivity",
            "interruptible",
            "language",
            "partialPromptOnHangup",
            "partialPrompts",
            "preemptible",
            "profanityFilter",
            "reportInputDuringAgentSpeech",
            "speechModel",
            "speechTimeout",
            "transcriptionLanguage",
            "transcriptionProvider",
            "ttsLanguage",
            "ttsLanguageTextNormalization",
            "ttsProvider",
            "ttsTextNormalization",
            "turnDetection",
            "url",
            "voice",
            "welcomeGreeting",
            "welcomeGreetingInterruptible",
        ]
    ),
    "ConversationRelaySession": frozenset(["connector", "sessionConfiguration"]),
    "Dial": frozenset(
        [
            "action",
            "answerOnBridge",
            "callerId",
            "events",
            "hangupOnStar",
            "method",
            "passports",
            "record",
            "recordingConfigurationId",
            "recordingStatusCallback",
            "recordingStatusCallbackEvent",
            "recordingStatusCallbackMethod",
            "recordingTrack",
            "referMethod",
            "referUrl",
            "ringTone",
            "sequential",
            "timeLimit",
            "timeout",
            "trim",
        ]
    ),
    "Echo": frozenset(),
    "Enqueue": frozenset(["action", "maxQueueSize", "method", "waitUrl", "waitUrlMethod", "workflowSid"]),
    "Gather": frozenset(
        [
            "action",
            "actionOnEmptyResult",
            "bargeIn",
            "debug",
            "enhanced",
            "finishOnKey",
            "hints",
            "input",
            "language",
            "maxSpeechTime",
            "method",
            "numDigits",
            "partialResultCallback",
            "partialResultCallbackMethod",
            "profanityFilter",
            "speechModel",
            "speechTimeout",
            "timeout",
        ]
    ),
    "Hangup": frozenset(),
    "Header": frozenset(["name", "value"]),
    "Headers": frozenset(),
    "Identity": frozenset(),
    "Language": frozenset(
        [
            "asrSmartFormat",
            "code",
            "hints",
            "speechModel",
            "transcriptionProvider",
            "ttsLanguageTextNormalization",
            "ttsProvider",
            "ttsTextNormalization",
            "voice",
        ]
    ),
    "Leave": frozenset(),
    "Number": frozenset(
        [
            "amdStatusCallback",
            "amdStatusCallbackMethod",
            "byoc",
            "machineDetection",
            "machineDetectionSilenceTimeout",
            "machineDetectionSpeechEndThreshold",
            "machineDetectionSpeechThreshold",
            "machineDetectionTimeout",
            "method",
            "sendDigits",
            "statusCallback",
            "statusCallbackEvent",
            "statusCallbackMethod",
            "url",
        ]
    ),
    "Parameter": frozenset(["name", "value"]),
    "Pause": frozenset(["length"]),
    "Pay": frozenset(
        [
            "action",
            "bankAccountType",
            "chargeAmount",
            "currency",
            "description",
            "input",
            "language",
            "maxAttempts",
            "minPostalCodeLength",
            "paymentConnector",
            "paymentMethod",
            "postalCode",
            "securityCode",
            "statusCallback",
            "statusCallbackMethod",
            "timeout",
            "tokenType",
            "validCardTypes",
        ]
    ),
    "Play": frozenset(["digits", "loop"]),
    "Prompt": frozenset(["attempt", "cardType", "errorType", "for", "requireMatchingInputs"]),
    "Queue": frozenset(["method", "postWorkActivitySid", "reservationSid", "url"]),
    "Record": frozenset(
        [
            "action",
            "finishOnKey",
            "maxLength",
            "method",
            "playBeep",
            "recordingConfigurationId",
            "recordingStatusCallback",
            "recordingStatusCallbackEvent",
            "recordingStatusCallbackMethod",
            "timeout",
            "transcribe",
            "transcribeCallback",
            "trim",
        ]
    ),
    "Recording": frozenset(
        [
            "channels",
            "recordingConfigurationId",
            "recordingStatusCallback",
            "recordingStatusCallbackEvent",
            "recordingStatusCallbackMethod",
            "track",
            "trim",
        ]
    ),
    "Redirect": frozenset(["method"]),
    "Refer": frozenset(["action", "method"]),
    "Reject": frozenset(["reason"]),
    "Room": frozenset(["participantIdentity"]),
    "Say": frozenset(["language", "loop", "voice"]),
    "Sim": frozenset(),
    "Sip": frozenset(
        [
            "amdStatusCallback",
            "amdStatusCallbackMethod",
            "machineDetection",
            "machineDetectionSilenceTimeout",
            "machineDetectionSpeechEndThreshold",
            "machineDetectionSpeechThreshold",
            "machineDetectionTimeout",
            "method",
            "password",
            "statusCallback",
            "statusCallbackEvent",
            "statusCallbackMethod",
            "url",
            "username",
        ]
    ),
    "Siprec": frozenset(["connectorName", "name", "statusCallback", "statusCallbackMethod", "track"]),
    "Sms": frozenset(["action", "from", "method", "statusCallback", "to"]),
    "Start": frozenset(["action", "method"]),
    "Stop": frozenset(),
    "Stream": frozenset(
        ["audioFormat", "connectorName", "name", "sampleRate", "statusCallback", "statusCallbackMethod", "track", "url"]
    ),
    "Task": frozenset(["priority", "timeout"]),
    "Transcription": frozenset(
        [
            "enableAutomaticPunctuation",
            "hints",
            "inboundTrackLabel",
            "intelligenceService",
            "languageCode",
            "name",
            "outboundTrackLabel",
            "partialResults",
            "profanityFilter",
            "speechModel",
            "statusCallbackMethod",
            "statusCallbackUrl",
            "track",
            "transcriptionEngine",
        ]
    ),
    "Uri": frozenset(["password", "priority", "username", "weight"]),
    "VirtualAgent": frozenset(
        ["connectorName", "language", "sentimentAnalysis", "statusCallback", "statusCallbackMethod"]
    ),
    "WhatsApp": frozenset(["method", "statusCallback", "statusCallbackEvent", "statusCallbackMethod", "url"]),
    # SSML inside <Say> (https://www.twilio.com/docs/voice/twiml/say/text-speech#ssml-tags)
    "break": frozenset(["strength", "time"]),
    "emphasis": frozenset(["level"]),
    "lang": frozenset(["xml:lang"]),
    "p": frozenset(),
    "phoneme": frozenset(["alphabet", "ph"]),
    "prosody": frozenset(["pitch", "rate", "volume"]),
    "s": frozenset(),
    "say-as": frozenset(["format", "interpret-as"]),
    "sub": frozenset(["alias"]),
    "w": frozenset(["role"]),
}

#: Attributes in Twilio's TwiML reference that the helper library does not emit (yet).
_DOCUMENTED_EXTRAS: dict[str, frozenset[str]] = {
    # https://www.twilio.com/docs/voice/twiml/dial#attributes lists callReason.
    "Dial": frozenset(["callReason"]),
}
for _name, _extra in _DOCUMENTED_EXTRAS.items():
    ATTRIBUTES[_name] = ATTRIBUTES[_name] | _extra

_SSML = frozenset(["break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"])

#: Which elements may appear directly inside which.  An element absent from this table may
#: hold no child elements at all.
CHILDREN: dict[str, frozenset[str]] = {
    "Response": frozenset(
        [
            "Connect",
            "Dial",
            "Echo",
            "Enqueue",
            "Gather",
            "Hangup",
            "Leave",
            "Pause",
            "Pay",
            "Play",
            "Prompt",
            "Queue",
            "Record",
            "Redirect",
            "Refer",
            "Reject",
            "Say",
            "Sms",
            "Start",
            "Stop",
        ]
    ),
    "Application": frozenset(["ApplicationSid", "Parameter"]),
    "Client": frozenset(["Identity", "Parameter"]),
    "Connect": frozenset(
        [
            "AiSession",
            "Autopilot",
            "Conversation",
            "ConversationRelay",
            "ConversationRelaySession",
            "Room",
            "Stream",
            "VirtualAgent",
        ]
    ),
    "ConversationRelay": frozenset(["Language", "Parameter"]),
    "Dial": frozenset(["Application", "Client", "Conference", "Number", "Queue", "Sim", "Sip", "WhatsApp"]),
    "Enqueue": frozenset(["Task"]),
    # "You can nest <Say>, <Play> and <Pause> in <Gather>" (twilio.com/docs/voice/twiml/gather).
    "Gather": frozenset(["Pause", "Play", "Say"]),
    "Hangup": frozenset(["Parameter"]),
    "Headers": frozenset(["Header"]),
    "Pay": frozenset(["Parameter", "Prompt"]),
    "Prompt": frozenset(["Pause", "Play", "Say"]),
    "Refer": frozenset(["Sip"]),
    "Reject": frozenset(["Parameter"]),
    "Say": _SSML,
    "Sip": frozenset(["Headers", "Uri"]),
    "Siprec": frozenset(["Parameter"]),
    "Start": frozenset(["Recording", "Siprec", "Stream", "Transcription"]),
    "Stop": frozenset(["Siprec", "Stream", "Transcription"]),
    "Stream": frozenset(["Parameter"]),
    "Transcription": frozenset(["Config", "Parameter"]),
    "VirtualAgent": frozenset(["Config", "Parameter"]),
    "emphasis": frozenset(["break", "emphasis", "lang", "phoneme", "prosody", "say-as", "sub", "w"]),
    "lang": _SSML,
    "p": frozenset(["break", "emphasis", "lang", "phoneme", "prosody", "s", "say-as", "sub", "w"]),
    "prosody": _SSML,
    "s": frozenset(["break", "emphasis", "lang", "phoneme", "prosody", "say-as", "sub", "w"]),
    "w": frozenset(["break", "emphasis", "phoneme", "prosody", "say-as", "sub"]),
}

#: Elements whose body is text (the words to say, the URL to play, the number to dial...).
TEXT_ELEMENTS: frozenset[str] = (
    frozenset(
        [
            "Application",
            "ApplicationSid",
            "Autopilot",
            "Client",
            "Conference",
            "Dial",
            "Enqueue",
            "Identity",
            "Number",
            "Play",
            "Queue",
            "Redirect",
            "Room",
            "Say",
            "Sim",
            "Sip",
            "Sms",
            "Task",
            "Uri",
            "WhatsApp",
        ]
    )
    | _SSML
)

# Value types for the attributes whose values change what the call does.  From the attribute
# tables of https://www.twilio.com/docs/voice/twiml/{gather,say,play,pause,dial,record,redirect,
# reject}.  A wrong value is a schema violation (12200); Twilio then uses the default.  Timeouts and
# lengths with a code of their own (13313, 13212, 13216, 13611, 13612) are checked in value_checks.
_POSITIVE_INT = "positive integer"
_NON_NEGATIVE_INT = "integer >= 0"
_BOOL = "true or false"
_METHOD = "GET or POST"
_VALUE_TYPES: dict[tuple[str, str], str] = {
    ("Gather", "numDigits"): _POSITIVE_INT,
    ("Gather", "method"): _METHOD,
    ("Gather", "actionOnEmptyResult"): _BOOL,
    ("Gather", "bargeIn"): _BOOL,
    ("Gather", "input"): "dtmf, speech or 'dtmf speech'",
    ("Gather", "finishOnKey"): "one of 0-9, #, * or ''",
    ("Gather", "speechTimeout"): "positive integer or auto",
    ("Say", "loop"): _NON_NEGATIVE_INT,
    ("Play", "loop"): _NON_NEGATIVE_INT,
    ("Play", "digits"): "digits 0-9, *, # and w",
    ("Pause", "length"): _NON_NEGATIVE_INT,
    ("Redirect", "method"): _METHOD,
    ("Dial", "method"): _METHOD,
    ("Dial", "hangupOnStar"): _BOOL,
    ("Record", "method"): _METHOD,
    ("Record", "playBeep"): _BOOL,
    ("Record", "transcribe"): _BOOL,
    ("Record", "finishOnKey"): "any of 0-9, #, *",
    ("Reject", "reason"): "rejected or busy",
}


def value_is_valid(element: str, attribute: str, value: str) -> bool:
    """Whether ``value`` has the documented type for ``element.attribute`` (unknown pairs pass)."""
    kind = _VALUE_TYPES.get((element, attribute))
    if kind is None:
        return True
    value = value.strip()
    if kind == _POSITIVE_INT:
        return value.isdigit() and int(value) > 0
    if kind == _NON_NEGATIVE_INT:
        return value.isdigit()
    if kind == _BOOL:
        return value in ("true", "false")
    if kind == _METHOD:
        return value.upper() in ("GET", "POST")
    if attribute == "input":
        tokens = value.split()
        return bool(tokens) and set(tokens) <= {"dtmf", "speech"}
    if (element, attribute) == ("Gather", "finishOnKey"):
        return value == "" or (len(value) == 1 and value in "0123456789#*")
    if attribute == "finishOnKey":
        return value != "" and all(ch in "0123456789#*" for ch in value)
    if attribute == "speechTimeout":
        return value == "auto" or (value.isdigit() and int(value) > 0)
    if attribute == "digits":
        return re.fullmatch(r"[0-9*#wW]+", value) is not None
    if attribute == "reason":
        return value in ("rejected", "busy")
    return True


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def _build_tree(data: bytes) -> tuple[Node | None, Problem | None]:
    parser = xml.parsers.expat.ParserCreate()
    stack: list[Node] = []
    root: list[Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = Node(tag, dict(attrs), parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        stack.pop()

    def chars(text: str) -> None:
        if stack:
            parent = stack[-1]
            last = parent.children[-1] if parent.children else None
            if isinstance(last, TextRun):
                parent.children[-1] = TextRun(last + text, last.line)
            else:
                parent.children.append(TextRun(text, parser.CurrentLineNumber))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        message = f"Document parse failure: {xml.parsers.expat.ErrorString(exc.code)}"
        return None, Problem(PARSE_FAILURE, "error", exc.lineno, message, column=exc.offset + 1)
    return (root[0] if root else None), None


def parse_twiml(document: str | bytes) -> ParsedTwiML:
    """Parse a voice TwiML document into a line-numbered tree and validate it.

    A body that is not XML, or whose root is not ``<Response>``, gives ``root=None`` and one
    12100 error; otherwise the tree plus any 12200 warnings.
    """
    data = document.encode("utf-8") if isinstance(document, str) else document
    root, failure = _build_tree(data)
    if failure is not None:
        return ParsedTwiML(None, [failure])
    if root is None:  # pragma: no cover - expat reports "no element found" first
        return ParsedTwiML(None, [Problem(PARSE_FAILURE, "error", 1, "Document parse failure: empty document")])
    if root.tag != "Response":
        message = f"Document parse failure: the root element must be <Response>, found <{root.tag}>"
        return ParsedTwiML(None, [Problem(PARSE_FAILURE, "error", root.line, message, root.column, root.tag)])
    problems = sorted([*_schema_problems(root), *value_problems(root, CHILDREN)], key=lambda p: p.line)
    return ParsedTwiML(root, problems)


def validate_twiml(document: str | bytes) -> list[Problem]:
    """Every problem Twilio would report for this voice TwiML document, in document order.

    Returns an empty list for a clean document.  Errors have code 12100 (Twilio cannot run the
    document at all); warnings have code 12200 (an unknown or misplaced verb, an unknown or
    misspelled attribute, a wrongly typed value); the codes Twilio logs for values (13511 voice,
    13512 language, 13224 number...) come from :mod:`.value_checks`.  Each carries the 1-based line of the
    offending element, so a test can print ``str(problem)`` and a person can find it.
    """
    return parse_twiml(document).problems


def _suggest(name: str, candidates: frozenset[str]) -> str:
    by_case = [c for c in candidates if c.lower() == name.lower()]
    if by_case:
        return f"; attribute names are case-sensitive: did you mean '{by_case[0]}'?"
    close = difflib.get_close_matches(name, sorted(candidates), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _schema_problems(node: Node) -> Iterator[Problem]:
    allowed_attrs = ATTRIBUTES.get(node.tag, frozenset())
    for name, value in node.attrs.items():
        if name == "xmlns" or name.startswith("xmlns:"):
            continue
        if name not in allowed_attrs:
            message = (
                f"Schema validation warning: attribute '{name}' is not allowed on <{node.tag}>"
                f"{_suggest(name, allowed_attrs)}"
            )
            yield Problem(SCHEMA_WARNING, "warning", node.line, message, node.column, node.tag)
        elif not value_is_valid(node.tag, name, value):
            expected = _VALUE_TYPES[(node.tag, name)]
            message = (
                f"Schema validation warning: '{value}' is not a valid value for {name} on "
                f"<{node.tag}> (expected {expected}); Twilio uses the default"
            )
            yield Problem(SCHEMA_WARNING, "warning", node.line, message, node.column, node.tag)
    allowed_children = CHILDREN.get(node.tag, frozenset())
    for child in node.children:
        if isinstance(child, str):
            if child.strip() and node.tag not in TEXT_ELEMENTS:
                message = f"Schema validation warning: text {child.strip()[:30]!r} is not allowed inside <{node.tag}>"
                line = node.line
                if isinstance(child, TextRun):
                    leading = child[: len(child) - len(child.lstrip())]
                    line = child.line + leading.count("\n")
                yield Problem(SCHEMA_WARNING, "warning", line, message, None, node.tag)
            continue
        if child.tag not in allowed_children:
            if child.tag not in ATTRIBUTES:
                why = f"<{child.tag}> is not a TwiML element (element names are case-sensitive)"
            else:
                inside = ", ".join(f"<{c}>" for c in sorted(allowed_children)) or "nothing"
                why = f"<{child.tag}> is not allowed inside <{node.tag}> (it may hold {inside})"
            yield Problem(
                SCHEMA_WARNING, "warning", child.line, f"Schema validation warning: {why}", child.column, child.tag
            )
            continue
        yield from _schema_problems(child)
