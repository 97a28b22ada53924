"""The JSON Schema (draft 2020-12) of the menu file, for editors: completion, hover text, red underlines.

Built from the readers' own field tables (``ivr.menu.fields``; ``FILE_FIELDS`` in the loader and the
tables of each ``read_*`` module), so it cannot drift from what ``ivr validate`` accepts: a field a
reader learns is in the schema the moment it can be read. The schema checks the shape of each value
while a person types; the loader remains the judge of everything that needs the whole file (every
text in every declared language, targets that exist, hours that do not overlap).

YAML language servers implement draft-07 fully and newer drafts partly
(https://github.com/redhat-developer/yaml-language-server/issues/856), so only keywords that mean the
same in both are used, with every sub-schema written in place (no ``$ref``, whose sibling keywords,
such as a description, draft-07 ignores).
"""

from __future__ import annotations

import json
from typing import Any

from ivr.menu.fields import section
from ivr.menu.loader import FILE_FIELDS

DRAFT = "https://json-schema.org/draft/2020-12/schema"
COMMITTED_PATH = "schema/menu.schema.json"  # what the shipped menus' yaml-language-server comment names


def menu_schema() -> dict[str, Any]:
    """The whole schema as a JSON-ready value."""
    return {
        "$schema": DRAFT,
        "title": "IVR menu file",
        "description": "A phone line: languages, behaviour, hotlines, words and nodes (see docs/menu-format.md).",
        **section(FILE_FIELDS),
    }


def schema_text() -> str:
    """The schema as the committed file holds it: stable key order, two-space indent, UTF-8 text."""
    return json.dumps(menu_schema(), ensure_ascii=False, indent=2) + "\n"
