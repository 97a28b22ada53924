"""The limits of reading a menu file: what the service may spend on a file before refusing it.

A menu file is read by a running phone line, so a file that is not a menu must cost almost
nothing: a FIFO or a device would block a reader forever, a 50 MB file stalled a webhook for
11 s, a 34 KB YAML "billion laughs" (aliases of aliases) grew to 4 GB, a recursive alias
(``x: &l [*l]``) or deep nesting ended in ``RecursionError``. Each rule here refuses such a
file early, with one sentence naming the file, the line when there is one, and the limit:

- only regular files are read (opened with ``O_NONBLOCK``, so a FIFO cannot block the open, then
  ``fstat``-checked before a byte is read);
- at most ``MAX_FILE_BYTES`` are read, whatever the file claims;
- the parsed document may nest at most ``MAX_DEPTH`` levels and hold at most ``MAX_VALUES``
  values, counting every alias expanded, and aliases may add at most as many values as the file
  writes out (``alias_allowance``). PyYAML has no such limit (yaml/pyyaml#235,
  https://github.com/yaml/pyyaml/issues/235); other parsers cap alias expansion relative to the
  input in the same way (serde-yaml: 100 times the events, dtolnay/serde-yaml#277), and the sizes
  are counted once per distinct node, without expanding anything, as cfn-lint does
  (aws-cloudformation/cfn-lint#4670);
- an alias may not contain itself (``x: &l [*l]`` composes into a cycle);
- composing stops at the time budget of the load in progress (``time_budget``).

The shipped menu is 30 KB, 2,500 values, 8 levels deep, and the 10,000-node menu of
``benchmarks/config_scale.py`` 3.4 MB and 372,000 values: the limits are well above both, so no
real menu meets them. They live here, apart from the YAML reader, so a faster parser keeps them.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import yaml

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 1_000_000  # ~400 bytes of memory each while composing: 400 MB at most
MIN_ALIAS_ALLOWANCE = 10_000
LOAD_SECONDS = 20.0  # under gunicorn's 30 s worker timeout: a worker's first load is part of its boot
CHECK_EVERY = 4096  # values composed between two looks at the clock


def limits() -> tuple[float, ...]:
    """The limits in force (a result that depends on them is kept only together with them)."""
    return (MAX_FILE_BYTES, MAX_DEPTH, MAX_VALUES, MIN_ALIAS_ALLOWANCE)


class Refused(Exception):
    """A file the limits refuse; ``line`` is 1 when the problem is the file as a whole."""

    def __init__(self, message: str, line: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, if it is a regular file of at most ``limit`` bytes; else ``Refused``.

    ``OSError`` (no such file, permission) passes through for the caller to phrase. The size is
    checked twice: by ``fstat`` before reading, and by reading at most one byte more than the
    limit, since a file can grow (or claim size 0, as /proc files do) between the two.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
            raise Refused(f"the menu path is {what}, not a regular file: only plain files are read as menus")
        if info.st_size > limit:
            raise Refused(_too_big(info.st_size, limit))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise Refused(_too_big(size, limit, growing=True))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_big(size: int, limit: int, growing: bool = False) -> str:
    grew = " (it grew while being read)" if growing else ""
    return f"the file is {size:,} bytes{grew}; a menu file may be at most {limit:,} bytes ({limit / 1024 / 1024:g} MiB)"


# --- the time budget of the load running in this thread ---------------------------------------------

_budget = threading.local()


@contextmanager
def time_budget(seconds: float = LOAD_SECONDS) -> Iterator[None]:
    """Loads in this block stop composing YAML (``Refused``) once ``seconds`` have passed."""
    previous = getattr(_budget, "deadline", None)
    _budget.deadline = time.monotonic() + seconds
    _budget.seconds = seconds
    try:
        yield
    finally:
        _budget.deadline = previous


def check_progress(values: int) -> None:
    """Called by the composer every ``CHECK_EVERY`` values: too many values, or out of time."""
    if values > MAX_VALUES:
        raise Refused(f"the file holds more than {MAX_VALUES:,} values; a menu needs a few thousand")
    deadline = getattr(_budget, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise Refused(f"reading the file took longer than its time budget ({_budget.seconds:g} s)")


# --- the shape of the parsed document ---------------------------------------------------------------


def alias_allowance(distinct: int) -> int:
    """How many values aliases may add: as many as the file writes out, and ``MIN_ALIAS_ALLOWANCE`` at least."""
    return max(MIN_ALIAS_ALLOWANCE, distinct)


def check_graph(root: yaml.Node) -> None:
    """Refuse a composed document that contains itself, nests too deep, or expands too far.

    PyYAML composes an alias as a second reference to the anchored node, so the document is a
    graph; ``x: &l [*l]`` is a cycle, and 30 lines of aliases of aliases a graph that expands to a
    billion values. One iterative walk (no recursion, whatever the depth) finds cycles and each
    node's depth and expanded size, each node visited once, before anything is expanded.
    """
    sizes: dict[int, int] = {}  # id(node) -> values under it with aliases expanded (itself included)
    depths: dict[int, int] = {}  # id(node) -> levels of lists and maps from it down (0 for a scalar)
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            is_collection = isinstance(node, (yaml.MappingNode, yaml.SequenceNode))
            depths[key] = 1 + max((depths[id(c)] for c in children), default=0) if is_collection else 0
            if depths[key] > MAX_DEPTH:
                raise Refused(
                    f"the file nests more than {MAX_DEPTH} levels deep here; a menu needs about 8", _line(node)
                )
            if sizes[key] > MAX_VALUES:
                raise Refused(
                    f"with its aliases (*name) expanded, the data from here holds more than {MAX_VALUES:,} values"
                    " (an alias bomb?)",
                    _line(node),
                )
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise Refused(
                "the value anchored here (&name) contains an alias (*name) of itself: a recursive alias", _line(node)
            )
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    distinct = len(sizes)
    expanded = sizes[id(root)]
    if expanded - distinct > alias_allowance(distinct):
        raise Refused(
            f"aliases (*name) expand the file's {distinct:,} values to {expanded:,}; they may add at most"
            f" {alias_allowance(distinct):,} (an alias bomb?)",
            1,
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1 if node.start_mark else 1
