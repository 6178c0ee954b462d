"""The context layer's API: what the chat engine asks and what it gets back.

The chat engine asks a ``ContextProvider`` what to put in front of the model and
tells it every message exchanged; ``mira.core.context.provider.create_provider``
(the Context Oracle + memory) supplies it. These types live on the context side so
the dependency runs one way: chat imports context, context never imports chat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass
class ContextRequest:
    message: str
    session_id: str
    path: Path | None = None  # absolute path of the current document
    line: int | None = None  # 0-based
    selection: str | None = None
    preset: str | None = None  # full | default | minimal | for_error; None = automatic
    budget_used_fraction: float = 0.0  # spend / limit (0 when no limit is set)
    diagnostics: list[str] = field(default_factory=list)  # messages of relevant diagnostics
    # added by the Context Oracle (optional): tools the model may call, "name: description"
    tools: list[str] = field(default_factory=list)
    # at most this long per source (None: the configured timeout); a chat without a model
    # answers from what is ready instead of waiting for sources still being built
    deadline_s: float | None = None


@dataclass
class ContextSection:
    title: str  # e.g. "Related Files (Often Changed Together)"
    markdown: str
    tokens: int
    source: str  # gatherer name, e.g. "cochange"


@dataclass
class PromptContext:
    system: str  # the assembled system prompt (persona, project context, sections, ...)
    history: list[dict[str, str]]  # earlier messages to replay: {"role", "content"}
    sections: list[ContextSection]
    tokens: int
    preset: str
    skipped: list[str] = field(default_factory=list)  # "source: why"
    citations: list[dict[str, Any]] = field(default_factory=list)  # {"path", "line"?, "commit"?}


class ContextProvider(Protocol):
    async def build(self, request: ContextRequest) -> PromptContext: ...

    async def record(self, session_id: str, role: str, content: str) -> int | None:
        """Keep a chat message; its memory id (memory relationships link to it)."""
        ...
