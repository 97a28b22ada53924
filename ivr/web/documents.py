"""Rendered TwiML, kept: the same question gets the same document without running the flow again.

Why: a webhook's answer is a pure function of the menu, the route, the call state and input in
the request, and the minute (opening hours are minute-granular), plus the audio files found for
its texts. A line hears the same few hundred questions all day (the main menu in two
languages, key 1 at the main menu, ...), so building the same ``VoiceResponse`` again and
again was half of what a webhook cost (see ``benchmarks/webhooks.py``).

What keeps it right:

* **The menu**: entries belong to one ``Tree`` object; a hot reload yields a new tree, and the
  first request that sees it empties the cache. The next webhook after an edit uses the edit.
* **The clock**: the key includes the minute of the request's instant, so a transfer opens and
  closes at exactly the minute it did without the cache. Documents of another minute can never be
  asked for again (clocks go forward), so a new minute empties the cache: memory stays flat.
* **The audio**: every lookup the renderer made (text, voice → file) is kept with the document
  and asked again on a hit; if any answer changed (``ivr audio build`` ran), it is rendered anew.
  This needs nothing from the audio library but the lookup it already offers.
* **Bounded**: at most ``max_entries`` documents (least recently used go first), and requests
  whose key is longer than ``max_key_chars`` (garbage, an attack) are answered but not kept.
  The caller decides what is not worth keeping at all (a repaired state, whose warning must be
  logged each time).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime

from ivr.menu.model import Language, Tree
from ivr.web.twiml import FindAudio

Lookup = tuple[str, Language, str | None]  # text, language, the file URL the renderer got (or None)
Build = Callable[[FindAudio | None], str]  # renders the document with the given audio lookup


class DocumentCache:
    """A bounded LRU of rendered documents for the current tree; safe to share between threads."""

    def __init__(self, find_audio: FindAudio | None, max_entries: int = 2048, max_key_chars: int = 2048):
        self.find_audio = find_audio
        self.max_entries = max_entries
        self.max_key_chars = max_key_chars
        self._lock = threading.Lock()
        self._tree: Tree | None = None
        self._minute: int | None = None
        self._entries: OrderedDict[Hashable, tuple[str, tuple[Lookup, ...]]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def document(
        self,
        tree: Tree,
        at: datetime,
        key: tuple[str, ...],
        build: Build,
        keep: Callable[[], bool] = lambda: True,
    ) -> str:
        """The document for ``key`` at ``at``'s minute under ``tree``: kept, or built now (and kept if ``keep()``)."""
        if sum(map(len, key)) > self.max_key_chars:
            return build(self.find_audio)
        minute = int(at.timestamp() // 60)
        full_key = (*key, minute)
        with self._lock:
            if self._tree is not tree or self._minute != minute:
                self._entries.clear()
                self._tree, self._minute = tree, minute
            entry = self._entries.get(full_key)
            if entry is not None:
                self._entries.move_to_end(full_key)
        if entry is not None and self._audio_unchanged(entry[1]):
            self.hits += 1
            return entry[0]
        self.misses += 1
        lookups: list[Lookup] = []
        body = build(self._recording(lookups))
        if keep():
            with self._lock:
                if self._tree is tree and self._minute == minute:
                    self._entries[full_key] = (body, tuple(lookups))
                    self._entries.move_to_end(full_key)
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
        return body

    def __len__(self) -> int:
        return len(self._entries)

    def _recording(self, lookups: list[Lookup]) -> FindAudio | None:
        find_audio = self.find_audio
        if find_audio is None:
            return None

        def find(text: str, language: Language) -> str | None:
            url = find_audio(text, language)
            lookups.append((text, language, url))
            return url

        return find

    def _audio_unchanged(self, lookups: tuple[Lookup, ...]) -> bool:
        find_audio = self.find_audio
        if find_audio is None:
            return not lookups
        return all(find_audio(text, language) == url for text, language, url in lookups)
