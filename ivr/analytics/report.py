"""A report: the figures of a period, and of the period of equal length just before it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from ivr.analytics.figures import Report
from ivr.analytics.queries import periods
from ivr.menu.model import InfoNode, LanguageNode, MenuNode, Tree


def build_report(engine: Engine, tree: Tree, since: datetime, until: datetime) -> Report:
    """Figures for [since, until) and for the equally long period before, read from ``engine``.

    The tree says which nodes are topics (guidance) and menus and what they are called; a node the
    tree no longer has still counts in the totals, it just has no row of its own.
    """
    if until <= since:
        raise ValueError(f"the period is empty: --until {until:%Y-%m-%d} is not after --since {since:%Y-%m-%d}")
    lang = tree.default_language
    menus = {
        node.id: (_title(node, lang), _kind(node))
        for node in tree.nodes.values()
        if isinstance(node, MenuNode | LanguageNode)
    }
    topics = [node_id for node_id, (_, kind) in menus.items() if kind == "info"]
    # begin(), not connect(): reading may remake stale call digests (``ivr.store.digest``)
    with engine.begin() as connection:
        bounds = (since - (until - since), since, until)
        previous, current = periods(connection, bounds, topics=topics, menus=menus, main_menu=tree.main_menu)
    titles = {node.id: _title(node, lang) for node in tree.nodes.values()}
    names = {h_id: h.name.get(lang) for h_id, h in tree.hotlines.items()}
    return Report(tree.file, current, previous, titles, names)


def _title(node, lang: str) -> str:
    return node.title.get(lang) if node.title is not None else node.id


def _kind(node) -> str:
    if isinstance(node, InfoNode):
        return "info"
    return "language" if isinstance(node, LanguageNode) else "menu"
