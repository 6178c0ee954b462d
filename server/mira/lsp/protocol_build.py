"""Typed ``mira/fixes`` messages (build errors and historical fixes)."""

from __future__ import annotations

import attrs
from lsprotocol import types

from mira.lsp import protocol

FIXES = "mira/fixes"


@attrs.define
class FixesParams:
    message: str
    text_document: types.TextDocumentIdentifier | None = None
    range: types.Range | None = None
    limit: int | None = None


@attrs.define
class FixItem:
    commit: str
    short: str
    summary: str
    similarity: float
    files: list[str]
    hunk: str
    author: str
    date: str  # ISO 8601


@attrs.define
class FixesResult:
    fixes: list[FixItem]
    note: str | None = None


protocol.register(FIXES, FixesParams, FixesResult)
