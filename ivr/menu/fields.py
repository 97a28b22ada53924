"""The menu format's fields as tables: what the section readers accept, and what ``ivr schema`` is built from.

Each section reader declares its fields once, as a table of name → ``Field`` (what the value looks
like, what it is for, whether the file must give it). The reader rejects any name that is not in
its table ("unknown field … did you mean …"), and ``ivr.menu.schema`` turns the very same tables into
the JSON Schema that editors use for completion, hover text and red underlines. So the two cannot
drift: a field added to a reader's table is in the schema the moment it can be read. A field given
without a ``shape`` is still in the schema, with its description, accepting any value; the loader
stays the judge of the details (``ivr validate``).

Shapes are small JSON Schema fragments built by the helpers below, each mirroring what a reader
accepts (``reading.Reading.text``, ``.words``, ``.key``, ``.integer``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Shape = dict[str, Any]


@dataclass(frozen=True)
class Field:
    """One field of a section of the menu file."""

    doc: str  # shown when hovering over the field in an editor
    shape: Shape = field(default_factory=dict)  # JSON Schema of the value; {} accepts anything
    required: bool = False
    default: Any = None  # the value the loader uses when the field is left out

    @property
    def bounds(self) -> tuple[int, int]:
        """The range of a whole number field, as the reader checks it."""
        return self.shape["minimum"], self.shape["maximum"]


Table = Mapping[str, Field]


def whole(low: int, high: int) -> Shape:
    return {"type": "integer", "minimum": low, "maximum": high}


def number(low: float, high: float) -> Shape:
    return {"type": "number", "minimum": low, "maximum": high}


def boolean() -> Shape:
    return {"type": "boolean"}


def string_of(pattern: str | None = None) -> Shape:
    shape: Shape = {"type": "string", "minLength": 1}
    if pattern:
        shape["pattern"] = pattern
    return shape


def one_of_values(values: Iterable[str]) -> Shape:
    return {"enum": list(values)}


def list_of(item: Shape, min_items: int = 0) -> Shape:
    shape: Shape = {"type": "array", "items": item}
    if min_items:
        shape["minItems"] = min_items
    return shape


def section(table: Table, extra: Shape | None = None) -> Shape:
    """A mapping whose fields are ``table``'s, and no others (a typo is flagged while typing)."""
    shape: Shape = {
        "type": "object",
        "properties": {name: describe(f) for name, f in table.items()},
        "additionalProperties": False,
    }
    required = [name for name, f in table.items() if f.required]
    if required:
        shape["required"] = required
    shape.update(extra or {})
    return shape


def describe(f: Field) -> Shape:
    """A field's shape with its description (and default), as one schema."""
    shape = dict(f.shape)
    shape["description"] = f.doc
    if f.default is not None:
        shape["default"] = f.default
    return shape
