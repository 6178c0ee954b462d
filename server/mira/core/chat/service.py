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
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira.core.chat import artifacts as arts
from mira.core.chat.cache import ResponseCache, cache_key
from mira.core.chat.delegation import CodeWriter
from mira.core.chat.ledger import BudgetExceeded, CallRecord, Ledger, parse_prices
from mira.core.chat.llm_client import LLMClient, LLMError, LLMResponse, notify
from mira.core.chat.operations import Artifact, Operation, OperationStore
from mira.core.chat.tools import Proposal, ToolBox
from mira.core.context import safety
from mira.core.context.api import ContextProvider, ContextRequest, PromptContext
from mira.core.context.llm import OpenAICompleter
from mira.core.context.provider import create_provider
from mira.core.endpoint import code_endpoint_from, elapsed_ms, endpoint_from
from mira.core.reasoning import chat_hooks as learning

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)

REPEATED_CALL_LIMIT = 2  # the same tool with the same arguments: the model is looping
NO_MODEL_NOTE = ("*No language model is configured, so this is the context Mira gathered, not"
                 " an answer.* Set `OPENAI_API_KEY` (and `OPENAI_BASE_URL` + `MIRA_MODEL` for"
                 " any OpenAI-compatible server such as llama.cpp, vLLM or Ollama) to get"
                 " answers.")
EFFORTS = ("minimum", "medium", "high")

Partial = dict[str, Any]
PartialFn = Callable[[Partial], Awaitable[None] | None]
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

    async def emit(self, value: Partial) -> None:
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
        return safety.parse_globs(self.ws.config.context_secret_globs)

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
        session = request.session_id or f"s-{uuid.uuid4().hex[:12]}"
        op = await asyncio.to_thread(self.operations.create, session, request.message)
        run = _Run(self, op, request, sink)
        try:
            await asyncio.to_thread(self.operations.transition, op.id, "started")
            answer = await run.execute()
        except asyncio.CancelledError:
            await _finish(self.operations, op.id, "cancelled", "cancelled by the user")
            raise
        except (LLMError, BudgetExceeded) as exc:
            await _finish(self.operations, op.id, "failed", str(exc))
            raise ChatError(str(exc), op.id) from None
        except Exception as exc:
            log.exception("chat operation %s failed", op.id)
            await _finish(self.operations, op.id, "failed", f"internal error: {exc}")
            raise ChatError(f"internal error: {exc}", op.id) from exc
        await asyncio.to_thread(self.operations.transition, op.id, "completed")
        return answer

    def _without_secrets(self, request: ChatRequest) -> ChatRequest:
        """An open secret file (``.env``, a key) is neither the context nor the selection."""
        if request.path is None:
            return request
        rel = safety.relative(self.ws.root, request.path)
        if rel is not None and not safety.is_secret(rel, self.secret_globs):
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
        path = safety.inside(self.ws.root, Path(art.path))
        if path is None:
            raise arts.PatchError(f"{art.path} is outside the workspace")
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        return arts.apply_unified_diff(current, art.content)

    async def mark_applied(self, art_id: str) -> None:
        await asyncio.to_thread(self.operations.mark_applied, art_id)
        art = await self.artifact(art_id)
        if art is not None:
            await learning.artifact_applied(self.ws, art.operation_id)

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


async def _finish(store: OperationStore, op_id: str, state: str, error: str) -> None:
    # shielded: a cancelled task must still persist how its operation ended
    await asyncio.shield(asyncio.to_thread(store.transition, op_id, state, error))


# without a model the answer is the context itself: sources still busy (an index being
# built, a cold blame) are left out and named, so the answer comes within about a second
NO_MODEL_DEADLINE_S = 0.6


class _Run:
    """One operation's state while it runs."""

    def __init__(self, service: ChatService, op: Operation, request: ChatRequest,
                 sink: ChatSink) -> None:
        self.svc = service
        self.op = op
        self.req = request
        self.sink = sink
        self.texts: list[str] = []
        self.artifacts: list[Artifact] = []
        self.proposals: list[Proposal] = []
        self.usage = Usage(service.endpoint.model) if service.endpoint else None
        writer = service.code_writer
        self.tools = ToolBox(service.ws, service.secret_globs, self.proposals.append,
                             code_writer=(lambda path, task, current: writer.write(
                                 path, task, current, op.id)) if writer else None)
        self.first_call = True
        self.steps: list[tuple[str, Any]] = []  # (tool, arguments) in call order

    async def event(self, type_: str, data: dict[str, Any]) -> None:
        await asyncio.to_thread(self.svc.operations.event, self.op.id, type_, data)

    async def execute(self) -> ChatAnswer:
        await self.sink.say("gathering context")
        used = await asyncio.to_thread(self.svc.ledger.used_fraction)
        context = await self.svc.provider().build(ContextRequest(
            message=self.req.message, session_id=self.op.session_id, path=self.req.path,
            line=self.req.line, selection=self.req.selection, preset=self.req.preset,
            budget_used_fraction=used, diagnostics=list(self.req.diagnostics),
            tools=self.tools.descriptions() if self.svc.client else [],
            deadline_s=None if self.svc.client else NO_MODEL_DEADLINE_S))
        await self.event("context", {
            "preset": context.preset, "tokens": context.tokens,
            "sections": [s.title for s in context.sections], "skipped": context.skipped})
        learned = await learning.before_answer(self.svc.ws, self.op.id, self.req.message,
                                               self.req.path)
        if learned is not None:
            context = dataclasses.replace(context, system=f"{context.system}\n\n{learned.text}")
            await self.event("learned", learned.event)
        await self.svc.provider().record(self.op.session_id, "user", self.req.message)
        if self.svc.client is None:
            response = _no_model_answer(context)
            await self.sink.emit({"kind": "text", "text": response})
            self.texts.append(response)
        else:
            await self._converse(context)
            response = "".join(self.texts)
        await self._collect_artifacts(response)
        await self.svc.provider().record(self.op.session_id, "assistant", response)
        await learning.after_answer(self.svc.ws, self.op.id, self.req.message, self.req.path,
                                    response, self.steps, [a.path for a in self.artifacts])
        return ChatAnswer(self.op.id, self.op.session_id, response, self.artifacts,
                          context.citations, self.usage)

    async def _converse(self, context: PromptContext) -> None:
        assert self.svc.client is not None
        messages: list[dict[str, Any]] = [{"role": "system", "content": context.system},
                                          *context.history,
                                          {"role": "user", "content": self._user_message()}]
        rounds = int(self.svc.ws.config.chat_max_tool_rounds)
        seen: dict[str, int] = {}
        for round_no in range(rounds + 1):
            offer_tools = round_no < rounds and max(seen.values(), default=0) < REPEATED_CALL_LIMIT
            if not offer_tools and round_no > 0:
                messages.append({"role": "system", "content":
                                 "Answer now with what you have found; no more tool calls."})
            response = await self._call(messages, self.tools.schemas() if offer_tools else [])
            if not offer_tools and not "".join(self.texts).strip():
                await self._text("*The model did not give an answer: it kept asking for"
                                 " tools. Try rephrasing the question.*")
            if not response.tool_calls or not offer_tools:
                return
            messages.append({"role": "assistant", "content": response.text or "",
                             "tool_calls": [{"id": c.id, "type": "function", "function": {
                                 "name": c.name, "arguments": c.arguments}}
                                 for c in response.tool_calls]})
            for call in response.tool_calls:
                key = f"{call.name}:{call.arguments}"
                seen[key] = seen.get(key, 0) + 1
                messages.append({"role": "tool", "tool_call_id": call.id,
                                 "content": await self._run_tool(call.id, call.name,
                                                                 call.arguments)})

    def _user_message(self) -> str:
        if self.req.selection:
            return f"{self.req.message}\n\nSelected code:\n```\n{self.req.selection}\n```"
        return self.req.message

    async def _call(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
                    ) -> LLMResponse:
        svc = self.svc
        assert svc.client is not None and svc.endpoint is not None and self.usage is not None
        await asyncio.to_thread(svc.ledger.check)
        key = cache_key(messages, tools, svc.endpoint.model,
                        f"{self.req.reasoning_effort}|{svc.ws.config.chat_tool_choice}")
        started = time.perf_counter()
        cached = await asyncio.to_thread(svc.cache.get, key)
        if cached is not None:
            if cached.text:
                await self._text(cached.text)
            await self._record(cached, started, cache_hit=True)
            return cached
        await self.sink.say(f"asking {svc.endpoint.model}")
        try:
            choice = str(svc.ws.config.chat_tool_choice) if self.first_call else "auto"
            self.first_call = False
            response = await svc.client.complete(messages, tools, self.req.reasoning_effort,
                                                 self._text, choice)
        except LLMError as exc:
            await asyncio.to_thread(svc.ledger.record, CallRecord(
                svc.endpoint.model, 0, 0, 0, 0.0, elapsed_ms(started), False, self.op.id,
                str(exc)))
            raise
        await self._record(response, started, cache_hit=False)
        await asyncio.to_thread(svc.cache.put, key, response)
        return response

    async def _record(self, response: LLMResponse, started: float, cache_hit: bool) -> None:
        svc = self.svc
        assert svc.endpoint is not None and self.usage is not None
        model = response.model or svc.endpoint.model
        cost = 0.0 if cache_hit else svc.ledger.cost(model, response.prompt_tokens,
                                                     response.completion_tokens)
        record = CallRecord(model, response.prompt_tokens, response.completion_tokens,
                            response.reasoning_tokens, cost, elapsed_ms(started), cache_hit,
                            self.op.id)
        await asyncio.to_thread(svc.ledger.record, record)
        u = self.usage
        u.model = model
        u.calls += 1
        u.cached = u.cached or cache_hit
        if not cache_hit:
            u.prompt_tokens += response.prompt_tokens
            u.completion_tokens += response.completion_tokens
            u.reasoning_tokens += response.reasoning_tokens
            u.cost_usd += cost
        await self.event("llm_call", {
            "model": model, "promptTokens": response.prompt_tokens,
            "completionTokens": response.completion_tokens, "costUsd": cost,
            "latencyMs": round(record.latency_ms, 1), "cacheHit": cache_hit,
            "toolCalls": [c.name for c in response.tool_calls]})

    async def _text(self, text: str) -> None:
        self.texts.append(text)
        await self.sink.emit({"kind": "text", "text": text})

    async def _run_tool(self, call_id: str, name: str, raw_args: str) -> str:
        try:
            shown: Any = json.loads(raw_args) if raw_args.strip() else {}
        except ValueError:
            shown = raw_args
        await self.sink.emit({"kind": "tool", "callId": call_id, "name": name, "args": shown})
        await self.sink.say(f"calling {name}")
        await self.event("tool_call", {"callId": call_id, "name": name, "args": shown})
        self.steps.append((name, shown))
        ok, out = await self.tools.call(name, raw_args)
        await self.event("tool_result", {"callId": call_id, "name": name, "ok": ok,
                                         "summary": out.summary, "chars": len(out.content)})
        await self.sink.emit({"kind": "toolResult", "callId": call_id, "name": name, "ok": ok,
                              "summary": out.summary})
        return out.content

    async def _collect_artifacts(self, response: str) -> None:
        candidates = [arts.Candidate(p.path, p.kind, p.content) for p in self.proposals]
        candidates += arts.from_answer(response)
        seen: set[tuple[str, str]] = set()
        for cand in candidates:
            if (cand.path, cand.content) in seen:
                continue
            seen.add((cand.path, cand.content))
            try:
                _, rel = self.tools.resolve(cand.path, must_exist=False)
            except Exception as exc:  # outside the workspace or a secret: not offered
                await self.event("artifact_refused", {"path": cand.path, "reason": str(exc)})
                continue
            art = await asyncio.to_thread(self.svc.operations.add_artifact, self.op.id, rel,
                                          cand.kind, cand.content, arts.language_of(rel))
            self.artifacts.append(art)
            await self.sink.emit({"kind": "artifact", "artifact": art})


def _no_model_answer(context: PromptContext) -> str:
    body = "\n\n".join(f"## {s.title}\n\n{s.markdown}" for s in context.sections)
    if not body:
        body = "Mira found no context for this question."
    return f"{NO_MODEL_NOTE}\n\n{body}"
