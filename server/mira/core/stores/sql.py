"""SQL helpers every store shares."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# values bound in one ``IN (...)`` list: well under SQLite's limit on parameters (32766
# since 3.32, 999 before), with room for the statement's other parameters
IN_LIST = 500


def in_lists(values: Sequence[T], size: int = IN_LIST) -> Iterator[tuple[list[T], str]]:
    """``values`` in parts of at most ``size``, each with its ``?,?,…`` placeholders for a
    ``WHERE x IN (…)``: one statement per part instead of one per value."""
    for start in range(0, len(values), size):
        part = list(values[start:start + size])
        yield part, ",".join("?" * len(part))
