"""What the caller hears: ``<Say>``, ``<Play>`` and ``<Pause>``, alone or nested in ``<Gather>``.

Defaults (Twilio's TwiML reference): ``<Say>`` voice ``man``, language ``en-US``, loop 1
(0 = until the call ends); ``<Play>`` loop 1 (0 = until the call ends), ``digits`` sends DTMF,
not simulated; ``<Pause>`` length 1 second.
"""

from __future__ import annotations

import math

from ivr.simulator.attributes import int_attr, resolve
from ivr.simulator.call_core import CONTINUE, CallOver, Continue, EngineCore
from ivr.simulator.caller import CallerAction, Press, Silence, Speak
from ivr.simulator.timing import PLAY_SECONDS_ESTIMATE, speech_seconds
from ivr.simulator.transcript import Event
from ivr.simulator.twiml_schema import Node


class PromptVerbs(EngineCore):
    """Prompts, and how much of them the caller heard before acting."""

    def _prompt(self, node: Node) -> tuple[Event | None, float]:
        """Emit what ``node`` (Say/Play/Pause) makes the caller hear; return it and its length.

        A length of ``math.inf`` means the prompt loops until the call ends (``loop="0"``).
        """
        if node.tag == "Say":
            loop = int_attr(node, "loop", 1)
            text = node.text
            event = self._event(
                "say",
                text=text,
                language=node.attrs.get("language", "en-US"),
                voice=node.attrs.get("voice", "man"),
                loop=loop,
            )
            return event, (math.inf if loop == 0 else speech_seconds(text) * (loop or 1))
        if node.tag == "Play":
            loop = int_attr(node, "loop", 1)
            url = node.text
            if "digits" in node.attrs:
                self._note(f"<Play digits={node.attrs['digits']!r}> sends DTMF tones to the line; not simulated")
            if not url:
                return None, 0.0
            event = self._event("play", url=resolve(self.document_url, url), loop=loop)
            return event, (math.inf if loop == 0 else PLAY_SECONDS_ESTIMATE * (loop or 1))
        length = int_attr(node, "length", 1)
        assert length is not None
        return self._event("pause", length=length), float(length)

    def _play_prompt(self, node: Node) -> Continue:
        _event, seconds = self._prompt(node)
        if seconds == math.inf:
            self._note(f'<{node.tag} loop="0"> (line {node.line}) repeats until the call ends; the caller hangs up')
            raise CallOver("caller hung up during an endless prompt")
        self._advance_time(seconds)
        return CONTINUE

    def _finish_prompts(
        self, prompts: list[tuple[Event | None, float]], act: CallerAction, barge_in_allowed: bool
    ) -> None:
        """Account for the prompts nested in a ``<Gather>`` once the caller's first action is known."""
        heard = [(e, s) for e, s in prompts if e is not None or s]
        barging = isinstance(act, Press | Speak) and act.barge_in and barge_in_allowed
        if barging and heard:
            during = min(max(act.during, 0), len(heard) - 1)  # type: ignore[union-attr]
            whole = sum(s for _, s in heard[:during])
            cut_event, cut_seconds = heard[during]
            if cut_event is not None:
                cut_event.data["interrupted"] = True
            for event, _ in heard[during + 1 :]:
                if event is not None:
                    event.data["skipped"] = True
            self._advance_time(whole + (0.0 if cut_seconds == math.inf else cut_seconds / 2))
            return
        total = sum(s for _, s in heard)
        if total == math.inf:
            if isinstance(act, Silence):
                self._note('a nested prompt loops forever (loop="0"), so the timeout never starts; the caller hangs up')
                raise CallOver("caller hung up during an endless prompt")
            return  # the caller acted while the endless prompt was playing
        self._advance_time(total)

    def visit_Say(self, node: Node) -> Continue:
        """Speak the text (SSML tags stripped) in the given language and voice, ``loop`` times."""
        return self._play_prompt(node)

    def visit_Play(self, node: Node) -> Continue:
        """Play the audio URL ``loop`` times (relative URLs resolve against the document URL)."""
        return self._play_prompt(node)

    def visit_Pause(self, node: Node) -> Continue:
        """Wait silently for ``length`` seconds (default 1)."""
        return self._play_prompt(node)
