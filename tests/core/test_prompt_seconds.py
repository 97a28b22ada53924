"""The checks of how a menu sounds time its prompt sentence by sentence (issue 17, config scale): the
figure must be the one of the whole prompt a caller hears, or the "too long" warning would move."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ivr.call.prompts import choice_spoken, options_prompt, sentences_seconds, speaking_seconds, speech_counts
from ivr.call.sentences import join
from ivr.menu.choices import announced
from ivr.menu.loader import load_tree
from ivr.menu.model import MenuNode
from tests.core.test_tree_derived import EXAMPLE

# Latin words, digits, apostrophes, Chinese, full-width and ASCII punctuation, spaces: every kind of
# character the estimate counts or join spaces by, at the edges of sentences too.
PIECES = st.sampled_from(["For", "help", "press", "9", "a.m.", "don't", "’s", "'", "退款", "请按", "1", "。", "，",
                          "；", "?", "!", " ", "  ", "x1", "Ｆ", "ä", "-", "#"])  # fmt: skip
SENTENCE = st.lists(PIECES, max_size=6).map("".join)


@given(st.lists(SENTENCE, max_size=8))
def test_a_prompt_timed_by_its_sentences_takes_as_long_as_the_prompt_joined(sentences):
    assert sentences_seconds(sentences, {}) == speaking_seconds(join(sentences))


def test_every_menu_of_the_example_is_timed_as_it_is_said():
    tree = load_tree(EXAMPLE)
    counted: dict[str, tuple[int, int, int]] = {}
    said: dict[tuple[str | None, ...], str] = {}  # kept across menus, as the checks keep them
    for node in tree.nodes.values():
        if isinstance(node, MenuNode):
            for lang in tree.language_codes:
                prompt = [node.prompt[lang]] if node.prompt is not None else []
                sentences = prompt + [choice_spoken(tree, c, lang, said) for c in announced(tree, node)]
                assert join(sentences) == options_prompt(tree, node, lang)  # the sentences the caller hears
                assert sentences_seconds(sentences, counted) == speaking_seconds(join(sentences))


@given(SENTENCE)
def test_words_are_counted_as_if_each_chinese_character_were_a_space(text):
    cjk = len(re.findall(r"[\u3400-\u9fff\uf900-\ufaff]", text))
    words = len(re.findall(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?", re.sub(r"[\u3400-\u9fff\uf900-\ufaff]", " ", text)))
    pauses = len(re.findall(r"[。！？；.!?;]", text))
    assert speech_counts(text) == (cjk, words, pauses)  # as the estimate was first written
