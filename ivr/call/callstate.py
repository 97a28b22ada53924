"""Where a caller is, as a small value that travels in the webhook URL.

Twilio calls us back on whatever URL the last TwiML named, so everything needed to continue
the call (node, language, attempt counters, the way back, the sub-menu) is encoded in that
URL. Nothing per call lives in process memory, so any worker or host can answer any request.

Anything read back from a URL is untrusted: ``from_params`` never raises, it repairs (unknown
node or language, garbage counters, a trail through missing nodes) and says whether it had to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from ivr.menu.model import Tree

Mode = Literal["", "closed", "failed"]
MODES: tuple[Mode, ...] = ("", "closed", "failed")
MAX_TRAIL = 16  # deeper than any sane phone menu; bounds the URL length
MAX_COUNTER = 99


@dataclass(frozen=True)
class CallState:
    node: str
    lang: str
    no_input: int = 0
    no_match: int = 0
    trail: tuple[str, ...] = ()  # nodes visited on the way here; "back" pops the last
    mode: Mode = ""  # a transfer node's built-in short menu: after hours, or after a failed dial

    def fresh(self) -> CallState:
        """The same place with the attempt counters reset (after a successful choice)."""
        return replace(self, no_input=0, no_match=0)

    def to_params(self) -> dict[str, str]:
        params = {"lang": self.lang}
        if self.no_input:
            params["ni"] = str(self.no_input)
        if self.no_match:
            params["nm"] = str(self.no_match)
        if self.trail:
            params["trail"] = ".".join(self.trail)
        if self.mode:
            params["mode"] = self.mode
        return params

    @classmethod
    def from_params(cls, tree: Tree, node: str, params: Mapping[str, str]) -> tuple[CallState, bool]:
        """Rebuild a state from a URL; return it and whether anything had to be repaired."""
        repaired = False
        lang = params.get("lang", "")
        if lang not in tree.languages:
            lang, repaired = tree.default_language, True
        counters = []
        for name in ("ni", "nm"):
            raw = params.get(name, "0")
            value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else -1
            if not 0 <= value <= MAX_COUNTER:
                value, repaired = 0, True
            counters.append(value)
        trail_ids = [t for t in params.get("trail", "").split(".") if t]
        trail = tuple(t for t in trail_ids if t in tree.nodes)[-MAX_TRAIL:]
        repaired |= len(trail) != len(trail_ids)
        mode = params.get("mode", "")
        if mode not in MODES:
            mode, repaired = "", True
        if node not in tree.nodes:
            node, trail, mode, repaired = tree.main_menu, (), "", True
        return cls(node, lang, counters[0], counters[1], trail, mode), repaired  # type: ignore[arg-type]
