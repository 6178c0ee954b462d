"""``mira/search`` message types."""

from __future__ import annotations

import attrs
from lsprotocol import types

from mira.lsp.protocol import register

SEARCH = "mira/search"


@attrs.define
class SearchParams:
    query: str
    limit: int | None = None
    kinds: list[str] | None = None  # "code" | "git" | "conversation"
    paths: list[str] | None = None  # path prefixes


@attrs.define
class SearchItem:
    path: str | None
    uri: str | None
    range: types.Range
    symbol: str | None
    score: float
    snippet: str
    source: str
    commit: str | None = None


@attrs.define
class SearchResult:
    items: list[SearchItem]
    note: str | None = None


register(SEARCH, SearchParams, SearchResult)
