"""Typed ``mira/chat``, ``mira/operations`` and ``mira/budget`` (docs/lsp-extensions.md)."""

from __future__ import annotations

from typing import Any

import attrs
from lsprotocol import types

from mira.lsp import protocol

CHAT = "mira/chat"
OPERATIONS = "mira/operations"
BUDGET = "mira/budget"
APPLY_ARTIFACT = "mira.applyArtifact"


@attrs.define
class ChatParams:
    message: str
    session_id: str | None = None
    text_document: types.TextDocumentIdentifier | None = None
    range: types.Range | None = None
    reasoning_effort: str | None = None  # minimum | medium | high
    preset: str | None = None
    diagnostics: list[str] | None = None
    work_done_token: int | str | None = None
    partial_result_token: int | str | None = None


@attrs.define
class ArtifactItem:
    id: str
    path: str
    uri: str
    language: str
    sha256: str
    kind: str  # full | diff
    content: str
    edit: types.WorkspaceEdit | None = None


@attrs.define
class ChatUsage:
    model: str
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    cost_usd: float
    cached: bool
    calls: int


@attrs.define
class ChatResult:
    operation_id: str
    session_id: str
    state: str
    response: str
    artifacts: list[ArtifactItem]
    citations: list[dict[str, Any]]
    usage: ChatUsage | None = None


@attrs.define
class OperationsParams:
    operation_id: str | None = None
    session_id: str | None = None
    limit: int | None = None


@attrs.define
class OperationEvent:
    seq: int
    time: str
    type: str
    data: dict[str, Any]


@attrs.define
class OperationItem:
    id: str
    session_id: str
    kind: str
    state: str
    created_at: str
    updated_at: str
    message: str
    error: str | None = None
    events: list[OperationEvent] | None = None


@attrs.define
class OperationsResult:
    operations: list[OperationItem]


@attrs.define
class BudgetParams:
    pass


@attrs.define
class BudgetResult:
    configured: bool
    daily_spent_usd: float
    monthly_spent_usd: float
    calls: int
    cache_hits: int
    cache_hit_rate: float
    cache_entries: int
    cache_bytes: int
    model: str | None = None
    daily_limit_usd: float | None = None
    monthly_limit_usd: float | None = None


protocol.register(CHAT, ChatParams, ChatResult)
protocol.register(OPERATIONS, OperationsParams, OperationsResult)
protocol.register(BUDGET, BudgetParams, BudgetResult)
