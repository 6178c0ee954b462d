"""ChatService: the operation engine behind ``mira/chat`` and ``mira chat``.

One request is one operation: context from the Context Oracle and memory, then a
tool loop with the model (budget checked and cache consulted before every call),
then artifacts and the answer. Whatever happens — an answer, a provider error,
a budget refusal, a cancellation — the operation ends in a persisted terminal
state, and what the user sees streams out through a ``ChatSink`` as it happens.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from mira.core import files, secrets
from mira.core.chat import artifacts as arts
from mira.core.chat.cache import ResponseCache
from mira.core.chat.delegation import CodeWriter
from mira.core.chat.ledger import BudgetExceeded, CallRecord, Ledger, parse_prices
from mira.core.chat.llm_client import LLMClient, LLMError
from mira.core.chat.models import (
    EFFORTS,
    BudgetReport,
    ChatAnswer,
    ChatError,
    ChatRequest,
    ChatSink,
)
from mira.core.chat.operations import Artifact, Operation, OperationStore
from mira.core.chat.run import NO_MODEL_NOTE, ChatRun, finish
from mira.core.context.api import ContextProvider
from mira.core.context.llm import OpenAICompleter
from mira.core.context.provider import create_provider
from mira.core.endpoint import code_endpoint_from, endpoint_from
from mira.core.reasoning import chat_hooks as learning

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)

__all__ = ["EFFORTS", "NO_MODEL_NOTE", "BudgetReport", "ChatAnswer", "ChatError", "ChatRequest",
           "ChatService", "ChatSink"]


class ChatService:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        cfg = workspace.config
        self.db = workspace.db
        self.operations = OperationStore(self.db)
        self.ledger = Ledger(self.db, parse_prices(cfg.llm_prices), cfg.budget_daily_limit_usd,
                             cfg.budget_monthly_limit_usd)
        self.cache = ResponseCache(self.db, float(cfg.llm_cache_ttl_s),
                                   int(cfg.llm_cache_max_mb) * 1024 * 1024)
        self.endpoint = endpoint_from(cfg)
        self.client = LLMClient(self.endpoint) if self.endpoint else None
        code_endpoint = code_endpoint_from(cfg)
        self.code_writer = (CodeWriter(code_endpoint, self.ledger, self.cache)
                            if code_endpoint and self.client else None)
        self._provider: ContextProvider | None = None
        self._memory_model: OpenAICompleter | None = None
        self._recovered = False

    @property
    def secret_globs(self) -> tuple[str, ...]:
        return secrets.parse_globs(self.ws.config.context_secret_globs)

    def provider(self) -> ContextProvider:
        if self._provider is None:
            if self.endpoint is not None and self.ws.config.memory_model_analysis:
                # memory's calls go to the chat endpoint, budgeted and recorded too
                self._memory_model = OpenAICompleter(
                    self.endpoint.base_url, self.endpoint.api_key or "not-needed",
                    self.endpoint.model, self.endpoint.timeout_s, self.endpoint.max_retries,
                    before=self.ledger.check, after=self._record_memory_call)
            self._provider = create_provider(self.ws, self._memory_model)
        return self._provider

    def completer(self) -> OpenAICompleter | None:
        """A one-shot completion on the chat endpoint, budgeted and recorded like chat calls
        (recipe refinement); None without a model."""
        if self.endpoint is None:
            return None
        return OpenAICompleter(
            self.endpoint.base_url, self.endpoint.api_key or "not-needed", self.endpoint.model,
            self.endpoint.timeout_s, self.endpoint.max_retries, before=self.ledger.check,
            after=self._record_memory_call)

    def _record_memory_call(self, model: str, prompt_tokens: int, completion_tokens: int,
                            latency_ms: float, error: str | None) -> None:
        cost = 0.0 if error else self.ledger.cost(model, prompt_tokens, completion_tokens)
        self.ledger.record(CallRecord(model, prompt_tokens, completion_tokens, 0, cost,
                                      latency_ms, False, None,
                                      f"memory analysis: {error}" if error else None))

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        if self.code_writer is not None:
            await self.code_writer.aclose()
        if self._memory_model is not None:
            self._memory_model.close()

    # -- chat ----------------------------------------------------------------------------
    async def chat(self, request: ChatRequest, sink: ChatSink | None = None) -> ChatAnswer:
        sink = sink or ChatSink()
        if not request.message.strip():
            raise ValueError("message must not be empty")
        if request.reasoning_effort and request.reasoning_effort not in EFFORTS:
            raise ValueError(f"reasoningEffort must be one of {', '.join(EFFORTS)}")
        await self._recover()
        request = self._without_secrets(request)
        request, warning = _redacted(request)
        session = request.session_id or f"s-{uuid.uuid4().hex[:12]}"
        op = await asyncio.to_thread(self.operations.create, session, request.message)
        run = ChatRun(self, op, request, sink, warning)
        try:
            await asyncio.to_thread(self.operations.transition, op.id, "started")
            answer = await run.execute()
        except asyncio.CancelledError:
            await finish(self.operations, op.id, "cancelled", "cancelled by the user")
            raise
        except (LLMError, BudgetExceeded) as exc:
            await finish(self.operations, op.id, "failed", str(exc))
            raise ChatError(str(exc), op.id) from None
        except Exception as exc:
            log.exception("chat operation %s failed", op.id)
            await finish(self.operations, op.id, "failed", f"internal error: {exc}")
            raise ChatError(f"internal error: {exc}", op.id) from exc
        await asyncio.to_thread(self.operations.transition, op.id, "completed")
        return answer

    def _without_secrets(self, request: ChatRequest) -> ChatRequest:
        """An open secret file (``.env``, a key) is neither the context nor the selection."""
        if request.path is None:
            return request
        gate = files.Gate(self.ws.root, self.secret_globs)
        if gate.relative(request.path) is not None and gate.path_secret(request.path) is None:
            return request
        return dataclasses.replace(request, path=None, line=None, selection=None)

    async def _recover(self) -> None:
        if not self._recovered:
            self._recovered = True
            n = await asyncio.to_thread(self.operations.fail_unfinished)
            if n:
                log.warning("%d chat operation(s) of an earlier run were interrupted", n)

    # -- inspection ----------------------------------------------------------------------
    async def operation(self, op_id: str) -> Operation | None:
        return await asyncio.to_thread(self.operations.get, op_id, True)

    async def list_operations(self, session_id: str | None = None, limit: int = 50
                              ) -> list[Operation]:
        return await asyncio.to_thread(self.operations.list, session_id, limit)

    async def artifact(self, art_id: str) -> Artifact | None:
        return await asyncio.to_thread(self.operations.artifact, art_id)

    async def artifact_content(self, art: Artifact) -> str:
        """The whole new text of the artifact's file (a diff applied to the current file)."""
        if art.kind == "full":
            return art.content
        path = files.Gate(self.ws.root).inside(Path(art.path))
        if path is None:
            raise arts.PatchError(f"{art.path} is outside the workspace")
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        return arts.apply_unified_diff(current, art.content)

    async def mark_applied(self, art_id: str) -> None:
        await asyncio.to_thread(self.operations.mark_applied, art_id)
        art = await self.artifact(art_id)
        if art is not None:
            await learning.artifact_applied(self.ws, art)

    async def budget(self) -> BudgetReport:
        spend = await asyncio.to_thread(self.ledger.spend)
        stats = await asyncio.to_thread(self.cache.stats)
        return BudgetReport(
            configured=self.endpoint is not None,
            model=self.endpoint.model if self.endpoint else None,
            daily_spent_usd=spend.daily_usd, daily_limit_usd=self.ledger.daily_limit,
            monthly_spent_usd=spend.monthly_usd, monthly_limit_usd=self.ledger.monthly_limit,
            calls=spend.calls, cache_hits=spend.cache_hits,
            cache_hit_rate=spend.cache_hits / spend.calls if spend.calls else 0.0,
            cache_entries=stats.entries, cache_bytes=stats.bytes)


def _redacted(request: ChatRequest) -> tuple[ChatRequest, str | None]:
    """The request with secret tokens the user typed or selected redacted, and a warning
    naming their kinds (never their values) — before anything is stored or sent."""
    message, kinds = secrets.redact_with_kinds(request.message)
    selection, more = secrets.redact_with_kinds(request.selection or "")
    kinds += more
    if not kinds:
        return request, None
    log.warning("a chat message contained %d secret(s) (%s); redacted", len(kinds),
                ", ".join(sorted(set(kinds))))
    warning = (f"Your message contained what looks like a secret ({', '.join(sorted(set(kinds)))})."
               " It was redacted before being stored or sent to the model; rotate it if it"
               " was real.")
    return dataclasses.replace(request, message=message,
                               selection=selection if request.selection else None), warning
