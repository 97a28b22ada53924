"""What a caller would notice between two versions of a menu: the engine of ``ivr diff``.

A raw YAML diff shows moved lines, re-indented anchors and reflowed comments; a reviewer wants to
know what callers will hear differently. So two loaded trees are compared as a phone line: options
added, removed or moved to another key, targets changed, every text a caller hears reworded (old and
new, per language), hotlines' numbers and hours (as they are read out), nodes added or removed, and
the problems ``ivr validate`` reports that are new (or gone). Comments, key order, anchors and line
moves are not changes.

Pure: two trees and their problems in, a list of ``Change`` out; ``ivr.commands.diff`` prints it.
Fields this module does not know by name (a field added to the model later) are still compared,
by value, so a new setting never changes silently.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from ivr.call.hours import week_spoken
from ivr.call.schedule import ranges_text
from ivr.menu.diagnostics import Diagnostic
from ivr.menu.model import (
    Hotline,
    Hours,
    LanguageNode,
    MenuNode,
    Node,
    Option,
    Reprompts,
    Text,
    TransferNode,
    Tree,
    Words,
)


@dataclass(frozen=True)
class Change:
    """One thing a caller (or the person on call) would notice."""

    where: str  # "node 'main'", "hotline 'jdpay'", "messages", "the file"
    what: str  # "option moved", "prompt reworded", "node added" …
    lang: str | None = None  # the language it is heard in; None: every language
    old: str | None = None
    new: str | None = None
    line: int | None = None  # where to look: in the new file, or the old one for what was removed

    def summary(self) -> str:
        """One line: ``node 'main': option moved: key 5 → 6 (agents)``."""
        if self.old is not None and self.new is not None:
            detail = f"{self.old} → {self.new}"
        else:
            detail = self.new if self.new is not None else (self.old or "")
        return f"{self.where}: {self.what}" + (f": {detail}" if detail else "")


def compare(
    old: Tree | None,
    new: Tree | None,
    old_problems: Iterable[Diagnostic] = (),
    new_problems: Iterable[Diagnostic] = (),
) -> list[Change]:
    """Everything a caller would notice going from ``old`` to ``new``; [] when nothing is."""
    changes: list[Change] = []
    if old is not None and new is not None:
        changes += _Compare(old, new).run()
    elif old is None and new is not None:
        changes.append(Change("the file", "now loads", new=f"{len(new.nodes)} nodes"))
    elif old is not None and new is None:
        changes.append(Change("the file", "no longer loads", old=f"{len(old.nodes)} nodes"))
    changes += _problems(list(old_problems), list(new_problems))
    return changes


def _problems(old: list[Diagnostic], new: list[Diagnostic]) -> Iterator[Change]:
    """Problems compared by severity and words, not line: an edit above one moves it without changing it."""
    unmatched = Counter((d.severity, d.message) for d in old)
    for d in new:
        if unmatched[(d.severity, d.message)] > 0:
            unmatched[(d.severity, d.message)] -= 1
        else:
            yield Change("problems", f"new {d.severity}", new=d.message, line=d.source.line)
    for d in old:
        if unmatched[(d.severity, d.message)] > 0:
            unmatched[(d.severity, d.message)] -= 1
            yield Change("problems", f"{d.severity} fixed", old=d.message)


def _texts(where: str, what: str, old: Text | None, new: Text | None, line: int | None) -> Iterator[Change]:
    """A text per language: reworded, added or removed in each."""
    old_by = dict(old.by_lang) if old else {}
    new_by = dict(new.by_lang) if new else {}
    for lang in sorted({*old_by, *new_by}):
        before, after = old_by.get(lang), new_by.get(lang)
        if before == after:
            continue
        if before is None:
            yield Change(where, f"{what} added", lang, new=_quote(after), line=line)
        elif after is None:
            yield Change(where, f"{what} removed", lang, old=_quote(before), line=line)
        else:
            yield Change(where, f"{what} reworded", lang, _quote(before), _quote(after), line)


def _words(where: str, what: str, old: Words | None, new: Words | None, line: int | None) -> Iterator[Change]:
    old_by = dict(old.by_lang) if old else {}
    new_by = dict(new.by_lang) if new else {}
    for lang in sorted({*old_by, *new_by}):
        before, after = old_by.get(lang, ()), new_by.get(lang, ())
        if before == after:
            continue
        added = [w for w in after if w not in before]
        removed = [w for w in before if w not in after]
        parts = [f"+{', '.join(added)}"] if added else []
        parts += [f"-{', '.join(removed)}"] if removed else []
        yield Change(where, f"{what} changed", lang, new=" ".join(parts) or "reordered", line=line)


def _quote(text: str | None) -> str:
    return f"“{text}”"


def _value(value: object) -> str:
    if isinstance(value, Text):
        return " / ".join(f"{lang}: {t}" for lang, t in value.by_lang.items())
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) or "none"
    if isinstance(value, tuple | list):
        return ", ".join(_value(v) for v in value) or "none"
    if dataclasses.is_dataclass(value):
        shown = [
            f"{f.name}={_value(getattr(value, f.name))}"
            for f in dataclasses.fields(value)
            if f.compare and f.name not in ("source", "lines")
        ]
        return "(" + ", ".join(shown) + ")"
    return "none" if value is None else str(value)


# Fields compared by the dedicated code below (or not a caller's concern: where they are written).
_NOT_GENERIC = {"id", "source", "lines", "title", "prompt", "options", "reprompts", "text", "tip", "next",
                "fallback", "timeout", "hotline", "name", "number", "number_display", "spoken", "hours"}  # fmt: skip


# Tree fields compared by name below (file: where it was read from, not a caller's concern).
_TREE_KNOWN = {"file", "languages", "default_language", "defaults", "messages", "words", "key_names", "hotlines",
               "nodes", "entry", "main_menu", "help", "lexicon"}  # fmt: skip


class _Compare:
    def __init__(self, old: Tree, new: Tree):
        self.old, self.new = old, new
        self.langs = [lang for lang in new.language_codes if lang in old.languages]

    def run(self) -> list[Change]:
        return [
            *self.file(),
            *self.languages(),
            *self.defaults(),
            *self.said("messages", "message", self.old.messages, self.new.messages),
            *self.said("key_names", "key name", self.old.key_names, self.new.key_names),
            *self.word_lists(),
            *self.lexicon(),
            *self.other_tree_fields(),
            *self.hotlines(),
            *self.nodes(),
        ]

    def lexicon(self) -> Iterator[Change]:
        """How words are pronounced: a reading added, removed or changed, per language and word."""
        before, after = self.old.lexicon, self.new.lexicon
        for lang in sorted({*before, *after}):
            old_words, new_words = before.get(lang, {}), after.get(lang, {})
            for word in sorted({*old_words, *new_words}):
                old_entry, new_entry = old_words.get(word), new_words.get(word)
                old_said = " ".join(old_entry.reading) if old_entry else None
                new_said = " ".join(new_entry.reading) if new_entry else None
                if old_said != new_said:
                    line = new_entry.source.line if new_entry else None
                    yield Change("lexicon", f"'{word}' pronounced", lang, old_said or "as written",
                                 new_said or "as written", line)  # fmt: skip

    def other_tree_fields(self) -> Iterator[Change]:
        """Sections this module does not know by name (``transfers``, and any added later), by value."""
        for f in dataclasses.fields(self.new):
            if f.name in _TREE_KNOWN:
                continue
            old_value, new_value = _value(getattr(self.old, f.name)), _value(getattr(self.new, f.name))
            if old_value != new_value:
                yield Change("the file", f"{f.name} changed", None, old_value, new_value)

    # -- the file's top level ------------------------------------------------------------------

    def file(self) -> Iterator[Change]:
        for name in ("entry", "main_menu", "help", "default_language"):
            before, after = getattr(self.old, name), getattr(self.new, name)
            if before != after:
                yield Change("the file", f"{name} changed", old=str(before), new=str(after))

    def languages(self) -> Iterator[Change]:
        for code in self.new.languages.keys() - self.old.languages.keys():
            yield Change(f"language '{code}'", "language added", line=self.new.languages[code].source.line)
        for code in self.old.languages.keys() - self.new.languages.keys():
            yield Change(f"language '{code}'", "language removed")
        for code in self.langs:
            before, after = self.old.languages[code], self.new.languages[code]
            for f in dataclasses.fields(before):
                if f.name not in ("code", "source") and getattr(before, f.name) != getattr(after, f.name):
                    yield Change(
                        f"language '{code}'", f"{f.name} changed", code,
                        str(getattr(before, f.name)), str(getattr(after, f.name)), after.source.line,
                    )  # fmt: skip

    def defaults(self) -> Iterator[Change]:
        before, after = self.old.defaults, self.new.defaults
        line = after.source.line
        for f in dataclasses.fields(before):
            if f.name in ("source", "keys", "reprompts"):
                continue
            if getattr(before, f.name) != getattr(after, f.name):
                old_value, new_value = str(getattr(before, f.name)), str(getattr(after, f.name))
                yield Change("defaults", f"{f.name} changed", old=old_value, new=new_value, line=line)
        for f in dataclasses.fields(before.keys):
            if f.name != "source" and getattr(before.keys, f.name) != getattr(after.keys, f.name):
                old_key, new_key = getattr(before.keys, f.name), getattr(after.keys, f.name)
                yield Change("defaults", f"'{f.name}' key changed", old=str(old_key), new=str(new_key), line=line)
        yield from self.reprompts("defaults", before.reprompts, after.reprompts, line)

    def reprompts(self, where: str, before: Reprompts, after: Reprompts, line: int | None) -> Iterator[Change]:
        for kind in ("no_input", "no_match"):
            old_list, new_list = getattr(before, kind), getattr(after, kind)
            for index in range(max(len(old_list), len(new_list))):
                old_text = old_list[index] if index < len(old_list) else None
                new_text = new_list[index] if index < len(new_list) else None
                where_line = new_text.source.line if new_text else line
                yield from _texts(where, f"{kind} reprompt #{index + 1}", old_text, new_text, where_line)

    def said(self, where: str, what: str, before: Mapping[str, Text], after: Mapping[str, Text]) -> Iterator[Change]:
        for name in sorted({*before, *after}):
            new_text = after.get(name)
            line = new_text.source.line if new_text else None
            yield from _texts(where, f"{what} '{name}'", before.get(name), new_text, line)

    def word_lists(self) -> Iterator[Change]:
        before, after = self.old.words, self.new.words
        for name in sorted({*before, *after}):
            line = after[name].source.line if name in after else None
            yield from _words("words", f"'{name}'", before.get(name), after.get(name), line)

    # -- hotlines ----------------------------------------------------------------------------------

    def hotlines(self) -> Iterator[Change]:
        before, after = self.old.hotlines, self.new.hotlines
        for hotline_id in after:
            if hotline_id not in before:
                hotline = after[hotline_id]
                yield Change(f"hotline '{hotline_id}'", "hotline added", new=hotline.number_display,
                             line=hotline.source.line)  # fmt: skip
        for hotline_id in before:
            if hotline_id not in after:
                yield Change(f"hotline '{hotline_id}'", "hotline removed", old=before[hotline_id].number_display)
        for hotline_id in after:
            if hotline_id in before:
                yield from self.hotline(before[hotline_id], after[hotline_id])

    def hotline(self, before: Hotline, after: Hotline) -> Iterator[Change]:
        where = f"hotline '{after.id}'"
        yield from _texts(where, "name", before.name, after.name, after.at("name").line)
        if before.number != after.number:
            yield Change(where, "number changed", None, before.number_display, after.number_display,
                         after.at("number").line)  # fmt: skip
        yield from _texts(where, "spoken number", before.spoken, after.spoken, after.at("spoken").line)
        yield from self.hours(where, before.hours, after.hours, after.at("hours").line)
        yield from self.other_fields(where, before, after, after.source.line)

    def hours(self, where: str, before: Hours | None, after: Hours | None, line: int) -> Iterator[Change]:
        if before == after:
            return
        if before is None or after is None:
            always = "open around the clock (no hours)"
            yield Change(where, "hours changed", None, always if before is None else "hours",
                         always if after is None else "hours", line)  # fmt: skip
            if before is None or after is None:
                return
        if before.timezone != after.timezone:
            yield Change(where, "time zone changed", None, before.timezone, after.timezone, line)
        if before.weekly != after.weekly:
            for lang in self.langs:  # as a caller hears them in the "closed" message
                said_before, said_after = week_spoken(self.old, before, lang), week_spoken(self.new, after, lang)
                if said_before != said_after:
                    yield Change(where, "weekly hours changed", lang, _quote(said_before), _quote(said_after), line)
        for day in sorted({*before.exceptions, *after.exceptions}):
            old_ranges, new_ranges = before.exceptions.get(day), after.exceptions.get(day)
            if old_ranges == new_ranges:
                continue
            what = f"hours on {day.isoformat()} ({day.strftime('%a')})"
            old_said = "weekly hours" if old_ranges is None else ranges_text(old_ranges)
            new_said = "weekly hours" if new_ranges is None else ranges_text(new_ranges)
            yield Change(where, f"{what} changed", None, old_said, new_said, line)

    def other_fields(self, where: str, before: object, after: object, line: int | None) -> Iterator[Change]:
        """Fields this module does not know by name (added to the model since): compared by value."""
        if type(before) is not type(after):
            return
        for f in dataclasses.fields(before):  # type: ignore[arg-type]
            if f.name in _NOT_GENERIC or not f.compare:
                continue
            old_value, new_value = _value(getattr(before, f.name)), _value(getattr(after, f.name))
            if old_value != new_value:  # as shown: where a value is written (a Source inside it) is no change
                yield Change(where, f"{f.name} changed", None, old_value, new_value, line)

    # -- nodes -------------------------------------------------------------------------------------

    def nodes(self) -> Iterator[Change]:
        before, after = self.old.nodes, self.new.nodes
        for node_id, node in after.items():
            if node_id not in before:
                title = f" ({node.title.get(self.new.default_language)})" if node.title else ""
                yield Change(f"node '{node_id}'", "node added", new=f"{node.kind}{title}", line=node.source.line)
        for node_id, node in before.items():
            if node_id not in after:
                yield Change(f"node '{node_id}'", "node removed", old=node.kind)
        for node_id, node in after.items():
            if node_id in before:
                yield from self.node(before[node_id], node)

    def node(self, before: Node, after: Node) -> Iterator[Change]:
        where = f"node '{after.id}'"
        if before.kind != after.kind:
            yield Change(where, "kind changed", None, before.kind, after.kind, after.source.line)
        yield from _texts(where, "title", before.title, after.title, after.at("title").line)
        for name, what in (("prompt", "prompt"), ("text", "guidance" if after.kind == "info" else "text"),
                           ("tip", "transfer tip")):  # fmt: skip
            yield from _texts(where, what, getattr(before, name, None), getattr(after, name, None), after.at(name).line)
        for name in ("next", "fallback", "timeout", "hotline"):
            old_value, new_value = getattr(before, name, None), getattr(after, name, None)
            if old_value != new_value:
                yield Change(where, f"{name} changed", None, str(old_value), str(new_value), after.at(name).line)
        if isinstance(before, MenuNode) and isinstance(after, MenuNode):
            yield from self.reprompts(where, before.reprompts, after.reprompts, after.at("reprompts").line)
            yield from self.options(where, before.options, after.options)
        elif isinstance(before, LanguageNode) and isinstance(after, LanguageNode):
            yield from self.language_options(where, before, after)
        if isinstance(before, TransferNode) or type(before) is type(after):
            yield from self.other_fields(where, before, after, after.source.line)

    def options(self, where: str, before: tuple[Option, ...], after: tuple[Option, ...]) -> Iterator[Change]:
        """Options matched by what they do (the node they lead to, or the action), so a key that changed
        is a move, not a removal plus an addition; then, at the same key, a changed target."""
        old_left = _by_identity(before)
        new_left = _by_identity(after)
        for ident in [i for i in new_left if i in old_left]:
            old_option, new_option = old_left.pop(ident), new_left.pop(ident)
            yield from self.same_option(where, old_option, new_option)
        old_by_key = {o.key: o for o in old_left.values()}
        for ident, new_option in list(new_left.items()):
            old_option = old_by_key.pop(new_option.key, None)
            if old_option is None:
                continue
            del new_left[ident]
            del old_left[next(i for i, o in old_left.items() if o is old_option)]
            yield Change(where, f"option '{new_option.key}' now leads elsewhere", None, _does(old_option),
                         _does(new_option), new_option.at("goto" if new_option.target else "action").line)  # fmt: skip
            yield from self.labels(where, old_option, new_option)
        for new_option in new_left.values():
            yield Change(where, "option added", new=f"key {new_option.key}: {_does(new_option)}",
                         line=new_option.source.line)  # fmt: skip
        for old_option in old_left.values():
            yield Change(where, "option removed", old=f"key {old_option.key}: {_does(old_option)}")

    def same_option(self, where: str, before: Option, after: Option) -> Iterator[Change]:
        if before.key != after.key:
            yield Change(where, f"option moved ({_does(after)})", None, f"key {before.key}", f"key {after.key}",
                         after.at("key").line)  # fmt: skip
        yield from self.labels(where, before, after)

    def labels(self, where: str, before: Option, after: Option) -> Iterator[Change]:
        what = f"option '{after.key}'"
        yield from _texts(where, f"{what} label", before.label, after.label, after.at("label").line)
        yield from _words(where, f"{what} keywords", before.keywords, after.keywords, after.at("keywords").line)

    def language_options(self, where: str, before: LanguageNode, after: LanguageNode) -> Iterator[Change]:
        old_by = {o.language: o for o in before.options}
        for option in after.options:
            old = old_by.pop(option.language, None)
            if old is None:
                yield Change(where, "language option added", new=f"key {option.key}: {option.language}",
                             line=option.source.line)  # fmt: skip
                continue
            if old.key != option.key:
                yield Change(where, f"option moved ({option.language})", None, f"key {old.key}", f"key {option.key}",
                             option.at("key").line)  # fmt: skip
            yield from _texts(where, f"option '{option.key}' label", old.label, option.label, option.at("label").line)
            yield from _words(where, f"option '{option.key}' keywords", old.keywords, option.keywords,
                              option.at("keywords").line)  # fmt: skip
        for old in old_by.values():
            yield Change(where, "language option removed", old=f"key {old.key}: {old.language}")


def _by_identity(options: tuple[Option, ...]) -> dict[tuple[str, str, int], Option]:
    """Options by what they do (and which of several doing the same, in order)."""
    seen: Counter[tuple[str, str]] = Counter()
    result = {}
    for option in options:
        does = (option.action, option.target or "")
        result[(*does, seen[does])] = option
        seen[does] += 1
    return result


def _does(option: Option) -> str:
    return f"goto {option.target}" if option.action == "goto" else f"action {option.action}"


def by_language(changes: Iterable[Change]) -> dict[str | None, list[Change]]:
    """Changes grouped as a reviewer reads them: every language first (None), then each language."""
    groups: dict[str | None, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.lang, []).append(change)
    return dict(sorted(groups.items(), key=lambda item: (item[0] is not None, item[0] or "")))
