"""Typed ``mira/context`` (what the model sees) and ``mira/memory`` (what Mira remembers)."""

from __future__ import annotations

from typing import Any

import attrs
from lsprotocol import types

from mira.lsp import protocol

CONTEXT = "mira/context"
MEMORY = "mira/memory"


@attrs.define
class ContextParams:
    message: str
    text_document: types.TextDocumentIdentifier | None = None
    position: types.Position | None = None
    preset: str | None = None  # full | default | minimal | for_error; None = automatic
    session_id: str | None = None  # include that chat session's memory
    budget_used_fraction: float | None = None
    selection: str | None = None
    diagnostics: list[str] | None = None


@attrs.define
class ContextSectionItem:
    title: str
    source: str
    tokens: int
    markdown: str


@attrs.define
class ContextResult:
    preset: str
    markdown: str  # the oracle's sections, exactly as they appear in the prompt
    sections: list[ContextSectionItem]
    skipped: list[str]  # "source: why"
    tokens: int  # the whole prompt (system + replayed history)
    system: str  # the whole system prompt
    citations: list[dict[str, Any]] = attrs.field(factory=list)


@attrs.define
class MemoryParams:
    action: str = "list"  # list | forget
    key: str | None = None


@attrs.define
class MemoryFact:
    key: str
    value: str
    confidence: float
    source: str  # remember | preference | llm
    updated_at: str  # ISO 8601
    session_id: str | None = None


@attrs.define
class MemoryResult:
    facts: list[MemoryFact]
    removed: bool | None = None
    note: str | None = None


protocol.register(CONTEXT, ContextParams, ContextResult)
protocol.register(MEMORY, MemoryParams, MemoryResult)
