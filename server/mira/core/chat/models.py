"""What the chat engine takes and gives: requests, streamed partial results, answers.

Partial results are typed (``ChatPartial``): each sink renders them its own way — the
LSP layer converts an artifact to its wire item, the terminal prints text — and
``wire()`` is the JSON shape of docs/lsp-extensions.md for everything but artifacts,
which only the LSP layer can turn into URIs and edits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mira.core.chat.llm_client import notify
from mira.core.chat.operations import Artifact

EFFORTS = ("minimum", "medium", "high")


@dataclass
class TextPartial:
    text: str

    def wire(self) -> dict[str, Any]:
        return {"kind": "text", "text": self.text}


@dataclass
class ToolCallPartial:
    call_id: str
    name: str
    args: Any  # the parsed JSON arguments, or the raw text when they are not JSON

    def wire(self) -> dict[str, Any]:
        return {"kind": "tool", "callId": self.call_id, "name": self.name, "args": self.args}


@dataclass
class ToolResultPartial:
    call_id: str
    name: str
    ok: bool
    summary: str

    def wire(self) -> dict[str, Any]:
        return {"kind": "toolResult", "callId": self.call_id, "name": self.name, "ok": self.ok,
                "summary": self.summary}


@dataclass
class ArtifactPartial:
    artifact: Artifact

    def wire(self) -> dict[str, Any]:
        """The stored artifact as plain JSON (the terminal's ``--json``)."""
        return {"kind": "artifact", "artifact": dataclasses.asdict(self.artifact)}


ChatPartial = TextPartial | ToolCallPartial | ToolResultPartial | ArtifactPartial
PartialFn = Callable[[ChatPartial], Awaitable[None] | None]
StatusFn = Callable[[str], Awaitable[None] | None]


class ChatError(Exception):
    """The chat failed; the message says why and what to do (operation is ``failed``)."""

    def __init__(self, message: str, operation_id: str | None) -> None:
        super().__init__(message)
        self.operation_id = operation_id


@dataclass
class ChatRequest:
    message: str
    session_id: str | None = None
    path: Path | None = None  # absolute
    line: int | None = None  # 0-based
    selection: str | None = None
    reasoning_effort: str | None = None
    preset: str | None = None
    diagnostics: list[str] = field(default_factory=list)


@dataclass
class ChatSink:
    """Where streamed output goes (LSP partial results, the terminal, a test)."""

    partial: PartialFn | None = None
    status: StatusFn | None = None

    async def emit(self, value: ChatPartial) -> None:
        await notify(self.partial, value)

    async def say(self, text: str) -> None:
        await notify(self.status, text)


@dataclass
class Usage:
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    cached: bool = False
    calls: int = 0


@dataclass
class ChatAnswer:
    operation_id: str
    session_id: str
    response: str
    artifacts: list[Artifact]
    citations: list[dict[str, Any]]
    usage: Usage | None


@dataclass
class BudgetReport:
    configured: bool
    model: str | None
    daily_spent_usd: float
    daily_limit_usd: float | None
    monthly_spent_usd: float
    monthly_limit_usd: float | None
    calls: int
    cache_hits: int
    cache_hit_rate: float
    cache_entries: int
    cache_bytes: int
