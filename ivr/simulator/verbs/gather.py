"""``<Gather>``: collect DTMF digits and/or speech from the caller.

Defaults (https://www.twilio.com/docs/voice/twiml/gather): action = current document URL,
method POST, timeout 5 s, finishOnKey ``#`` (only after at least one digit), numDigits
unlimited, input ``dtmf``, language ``en-US``, bargeIn true, actionOnEmptyResult false.
No input: fall through to the next verb.
"""

from __future__ import annotations

import re
from collections.abc import Generator

from ivr.simulator.attributes import bool_attr, int_attr, method_attr, resolve
from ivr.simulator.call_core import CONTINUE, CallOver, Continue, Fetch
from ivr.simulator.caller import CallerAction, HangUp, Press, Speak, Waiting
from ivr.simulator.timing import END_OF_SPEECH_SECONDS, KEY_PRESS_SECONDS, speech_seconds
from ivr.simulator.transcript import Event
from ivr.simulator.twilio_tables import speech_scripts
from ivr.simulator.twiml_schema import Node
from ivr.simulator.verbs.prompts import PromptVerbs

_LATIN = re.compile(r"[A-Za-z]{2,}")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class GatherVerb(PromptVerbs):
    """The ``<Gather>`` visitor (it plays its nested prompts, hence :class:`PromptVerbs`)."""

    def visit_Gather(self, node: Node) -> Generator[Waiting, CallerAction, Fetch | Continue]:
        """Collect DTMF digits and/or speech; see the module docstring for the defaults."""
        action = resolve(self.document_url, node.attrs["action"]) if node.attrs.get("action") else self.document_url
        method = method_attr(node)
        timeout = int_attr(node, "timeout", 5, minimum=1)
        assert timeout is not None
        num_digits = int_attr(node, "numDigits", None, minimum=1)
        finish = node.attrs.get("finishOnKey", "#")
        if not (finish == "" or (len(finish) == 1 and finish in "0123456789*#")):
            finish = "#"
        inputs = node.attrs.get("input", "dtmf").split()
        if not inputs or not set(inputs) <= {"dtmf", "speech"}:
            inputs = ["dtmf"]
        on_empty = bool_attr(node, "actionOnEmptyResult", False)
        barge_in_allowed = bool_attr(node, "bargeIn", True)
        prompts: list[tuple[Event | None, float]] = [
            self._prompt(child) for child in node.elements() if child.tag in ("Say", "Play", "Pause")
        ]
        self._event(
            "gather",
            action=action,
            method=method,
            input=" ".join(inputs),
            timeout=timeout,
            numDigits=num_digits,
            finishOnKey=finish,
            language=node.attrs.get("language", "en-US"),
            hints=node.attrs.get("hints"),
            actionOnEmptyResult=on_empty,
            line=node.line,
        )
        prompts_over = False
        digits = ""
        heard_count = sum(1 for e, _ in prompts if e is not None)

        def submit(params: dict[str, str]) -> Fetch:
            return Fetch(action, method, params)

        while True:
            act = yield Waiting(
                "gather",
                {
                    "action": action,
                    "method": method,
                    "input": inputs,
                    "digits": digits,
                    "numDigits": num_digits,
                    "finishOnKey": finish,
                    "timeout": timeout,
                    "language": node.attrs.get("language", "en-US"),
                    "hints": node.attrs.get("hints"),
                    "line": node.line,
                    "prompts": 0 if prompts_over else heard_count,  # nested prompt events just before the wait
                },
            )
            if not prompts_over:
                prompts_over = True
                self._finish_prompts(prompts, act, barge_in_allowed)
            self._log_input(act)
            if isinstance(act, HangUp):
                raise CallOver("caller hung up")
            if isinstance(act, Press):
                if "dtmf" not in inputs:
                    self._note("key press ignored: this <Gather> listens for speech only")
                    continue
                self._advance_time(KEY_PRESS_SECONDS)
                if finish and act.key == finish:
                    if digits:
                        return submit({"Digits": digits})
                    self._note(
                        f"{finish} pressed before any digit: finishOnKey only ends a digit sequence; still waiting"
                    )
                    continue
                digits += act.key
                if num_digits is not None and len(digits) >= num_digits:
                    return submit({"Digits": digits})
                continue
            if isinstance(act, Speak):
                if "speech" not in inputs:
                    self._note('speech ignored: this <Gather> listens for keys only (input="dtmf")')
                    continue
                self._check_script(act.text, node.attrs.get("language", "en-US"), node)
                spoken = act.seconds if act.seconds is not None else speech_seconds(act.text)
                self._advance_time(spoken + END_OF_SPEECH_SECONDS)
                return submit({"SpeechResult": act.text, "Confidence": f"{act.confidence:g}"})
            # Silence: the timeout runs out.
            self._advance_time(timeout)
            if digits:
                return submit({"Digits": digits})
            if on_empty:
                return submit({})
            self._note("no input before the timeout: continuing with the next verb")
            return CONTINUE

    def _check_script(self, text: str, language: str, node: Node) -> None:
        """Warn when the caller is made to say what a recogniser in ``language`` could not return.

        A ``cmn-Hans-CN`` recogniser writes what it hears in Chinese characters, so a test that
        says "English" to it (or Chinese to an ``en-US`` one) exercises a SpeechResult Twilio
        would never send.  Which languages write in which script: ``data/speech_languages.json``.
        """
        script = speech_scripts().get(language)
        if script == "han" and _LATIN.search(text):
            what = "Latin-script words"
        elif script is None and _HAN.search(text):
            what = "Chinese characters"
        else:
            return
        self._problem(
            "simulator:speech-language",
            "warning",
            f"the caller says {text!r} to a <Gather language={language!r}>: a recogniser in that language "
            f"does not return {what}; Twilio would never send this SpeechResult",
            line=node.line,
        )
