"""Console page: the menu being served, drawn, and the validation result of the file on disk.

The drawing is of the tree the line serves right now (after a bad edit: the last good one); the
check is of the file as it is on disk, so staff see at once whether their edit will be taken.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from ivr.analytics.html import diagram_svg
from ivr.call.checks import check_menu
from ivr.menu.diagram import build, to_dot
from ivr.web.console.access import Access


def register(blueprint: Blueprint, context: Any) -> dict[str, Access]:
    @blueprint.get("/menu")
    def menu_page() -> Any:
        served = context.shared["menu"].current()
        path = context.settings.menu_file
        _tree, diagnostics = check_menu(path)
        errors = [d for d in diagnostics if d.severity == "error"]
        warnings = [d for d in diagnostics if d.severity != "error"]
        return render_template(
            "console/menu.html",
            path=str(path),
            served_file=served.file,
            errors=errors,
            warnings=warnings,
            nodes=len(served.nodes),
            svg=diagram_svg(to_dot(build(served))),
        )

    return {"console.menu_page": Access.STAFF}
