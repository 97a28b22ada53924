"""What a tree works out about itself (``Tree.derived``: which menus lead to a node, what each menu
announces) lives and dies with that tree (issue 17, config scale): an edited file is a new tree that
works everything out again, and checking file after file keeps no old tree alive."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from ivr.call.checks import check_menu
from ivr.call.prompts import options_prompt
from ivr.menu.choices import announced

EXAMPLE = Path(__file__).resolve().parents[2] / "menus" / "examples" / "minimal.yaml"


def test_an_edited_menu_announces_what_the_edit_says(tmp_path):
    path = tmp_path / "menu.yaml"
    path.write_bytes(EXAMPLE.read_bytes())
    tree, _ = check_menu(path)
    assert tree is not None
    main = tree.nodes["main"]
    assert [c.key for c in announced(tree, main)] == ["1", "2", "8"]  # "2" goes to the help node: no "0"
    assert "For help, press 0." not in options_prompt(tree, main, "en-US")

    text = EXAMPLE.read_text(encoding="utf-8")
    path.write_text(text.replace("        goto: agents\n", "        goto: to_jdpay\n", 1), encoding="utf-8")
    edited, problems = check_menu(path)
    assert edited is not None and not [p for p in problems if p.severity == "error"]
    main = edited.nodes["main"]
    assert [c.key for c in announced(edited, main)] == ["1", "2", "8", "0"]
    assert "For help, press 0." in options_prompt(edited, main, "en-US")
    assert [c.key for c in announced(tree, tree.nodes["main"])] == ["1", "2", "8"]  # the old tree's, still its own


def test_a_checked_tree_is_not_kept_alive_by_what_was_worked_out_about_it():
    tree, _ = check_menu(EXAMPLE)  # the checks work out every menu's choices (and so which menus lead where)
    assert tree is not None and announced(tree, tree.nodes["agents"])
    gone = weakref.ref(tree)
    del tree
    gc.collect()
    assert gone() is None  # what a validator or a reloading line checked before is memory it gets back
