"""Renders a flow ``Step`` as TwiML, with the ``twilio`` package's ``VoiceResponse``.

One method per action, so each verb's attributes sit in one place, spelled the way Twilio
documents them (the twilio package turns ``num_digits`` into ``numDigits``: a hand-written
``numdigits`` would be silently ignored by Twilio with warning 12200).

Audio seam: each ``Say`` becomes ``<Play>`` of a pre-rendered file when ``find_audio`` knows
one for exactly that text and voice, else ``<Say voice language>`` with the config's voice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from ivr.call.callstate import CallState
from ivr.call.flow import Hangup, Listen, Record, Say, Step, Transfer
from ivr.menu.model import Language, Tree
from ivr.web.dialing import Dialable, dial_plan
from ivr.web.settings import SipTrunk

Event = Literal["enter", "input", "dialed", "recorded", "recording"]
UrlFor = Callable[[Event, CallState], str]
FindAudio = Callable[[str, Language], str | None]  # text, language → absolute URL of a current file


class TwimlRenderer:
    """Turns steps into TwiML documents for one tree, one URL scheme and one audio library."""

    def __init__(
        self,
        tree: Tree,
        url_for: UrlFor,
        find_audio: FindAudio | None = None,
        trunk: SipTrunk | None = None,
        line_number: str = "",
    ):
        """``trunk``: where ``route: sip`` transfers go; ``line_number``: the line's own number (the
        webhook's ``To``), the caller ID of transfers when the menu names none."""
        self.tree = tree
        self.url_for = url_for
        self.find_audio = find_audio
        self.trunk = trunk
        self.line_number = line_number

    def render(self, step: Step) -> str:
        response = VoiceResponse()
        for action in step:
            getattr(self, f"render_{type(action).__name__.lower()}")(response, action)
        return str(response)

    # -- one method per action -------------------------------------------------------------

    def render_say(self, parent: VoiceResponse | Gather, say: Say) -> None:
        language = self.tree.languages[say.lang]
        url = self.find_audio(say.text, language) if self.find_audio else None
        if url:
            parent.play(url)
        else:
            parent.say(say.text, voice=language.say_voice, language=language.say_language)

    def render_listen(self, response: VoiceResponse, listen: Listen) -> None:
        """<Gather> one key (or an utterance) around the prompts, so a key press interrupts them
        (barge-in); then, because a <Gather> that hears nothing falls through to the next verb,
        a <Redirect> to the same handler with no input: that is how silence is reported."""
        language = self.tree.languages[listen.state.lang]
        action = self.url_for("input", listen.state)
        speech: dict[str, str] = {}
        if listen.speech:
            speech = {"language": language.speech_language, "speech_timeout": "auto"}
            if listen.hints:
                speech["hints"] = ", ".join(h.replace(",", " ") for h in listen.hints)
        gather = Gather(
            input="dtmf speech" if listen.speech else "dtmf",
            num_digits=1,
            timeout=listen.timeout,
            action=action,
            method="POST",
            action_on_empty_result=False,
            **speech,
        )
        for say in listen.prompts:
            if say.text:
                self.render_say(gather, say)
        response.append(gather)
        response.redirect(action, method="POST")

    def render_transfer(self, response: VoiceResponse, transfer: Transfer) -> None:
        """<Dial callerId> around one <Number> (E.164) or one <Sip> (the trunk's URI, with credentials).
        A transfer that cannot be dialled here never reaches this: the app answers it with
        ``flow.transfer_unavailable`` instead (see ``ivr.web.app``)."""
        plan = dial_plan(self.tree, transfer, self.trunk, self.line_number)
        if not isinstance(plan, Dialable):
            raise ValueError(plan.reason)
        dial = Dial(
            action=self.url_for("dialed", transfer.state),
            method="POST",
            timeout=transfer.timeout,
            caller_id=plan.caller_id,
        )
        if plan.noun == "number":
            dial.number(plan.address)
        else:
            dial.sip(plan.address, username=plan.username or None, password=plan.password or None)
        response.append(dial)

    def render_record(self, response: VoiceResponse, record: Record) -> None:
        """The message is stored once Twilio reports the recording ``completed`` to
        ``recordingStatusCallback`` (https://www.twilio.com/docs/voice/twiml/record#recordingstatuscallback);
        the action request only continues the call."""
        response.record(
            action=self.url_for("recorded", record.state),
            method="POST",
            max_length=record.max_seconds,
            finish_on_key="#",
            play_beep=True,
            recording_status_callback=self.url_for("recording", record.state),
            recording_status_callback_method="POST",
            recording_status_callback_event="completed absent",
        )

    def render_hangup(self, response: VoiceResponse, _hangup: Hangup) -> None:
        response.hangup()
