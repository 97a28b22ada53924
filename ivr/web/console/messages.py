"""The console's UI language: a small message catalogue (``messages.yaml``) and the reader's choice.

Two UI languages, ``zh`` and ``en``. The choice is, in order: ``?ui=zh|en`` on any console URL (kept
in the session from then on), the session, the browser's ``Accept-Language``, English. The catalogue
is one YAML file so that whoever translates edits words, not Python; a key missing in one language
falls back to English and then to the key itself, so a page never fails over a missing word.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from flask import request, session

UI_LANGUAGES = ("zh", "en")
DEFAULT_UI = "en"
CATALOGUE = Path(__file__).with_name("messages.yaml")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message in every UI language (read once per process)."""
    with CATALOGUE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return {lang: {str(k): str(v) for k, v in (data.get(lang) or {}).items()} for lang in UI_LANGUAGES}


def translate(key: str, ui: str) -> str:
    """The message ``key`` in UI language ``ui``."""
    messages = catalogue()
    return messages.get(ui, {}).get(key) or messages[DEFAULT_UI].get(key) or key


def choose_ui() -> str:
    """The reader's UI language for this request (and remember an explicit ``?ui=``)."""
    asked = request.args.get("ui", "")
    if asked in UI_LANGUAGES:
        if session.get("ui") != asked:
            session["ui"] = asked
        return asked
    kept = session.get("ui")
    if kept in UI_LANGUAGES:
        return kept
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-TW", "en"], default=DEFAULT_UI) or DEFAULT_UI
    return "zh" if best.startswith("zh") else "en"


def html_lang(ui: str) -> str:
    """The ``lang`` attribute for a page in ``ui`` (screen readers pick their voice from it)."""
    return "zh-CN" if ui == "zh" else "en"
