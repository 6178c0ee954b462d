"""One chat operation while it runs: context, the tool loop with the model, artifacts.

``ChatService.chat`` creates a ``ChatRun`` per request and owns the operation's
terminal state (``finish``); the run streams ``ChatPartial``s to the sink as they
happen.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from typing import TYPE_CHECKING, Any, Protocol

from mira.core.chat import artifacts as arts
from mira.core.chat.cache import ResponseCache, cache_key
from mira.core.chat.delegation import CodeWriter
from mira.core.chat.ledger import CallRecord, Ledger
from mira.core.chat.llm_client import LLMClient, LLMError, LLMResponse
from mira.core.chat.models import (
    ArtifactPartial,
    ChatAnswer,
    ChatRequest,
    ChatSink,
    TextPartial,
    ToolCallPartial,
    ToolResultPartial,
    Usage,
)
from mira.core.chat.operations import Artifact, Operation, OperationStore
from mira.core.chat.tools import Proposal, ToolBox
from mira.core.context.api import ContextProvider, ContextRequest, PromptContext
from mira.core.endpoint import Endpoint, elapsed_ms
from mira.core.reasoning import chat_hooks as learning

if TYPE_CHECKING:
    from mira.core.workspace import Workspace

log = logging.getLogger(__name__)

REPEATED_CALL_LIMIT = 2  # the same tool with the same arguments: the model is looping
NO_MODEL_NOTE = ("*No language model is configured, so this is the context Mira gathered, not"
                 " an answer.* Set `OPENAI_API_KEY` (and `OPENAI_BASE_URL` + `MIRA_MODEL` for"
                 " any OpenAI-compatible server such as llama.cpp, vLLM or Ollama) to get"
                 " answers.")


async def finish(store: OperationStore, op_id: str, state: str, error: str) -> None:
    # shielded: a cancelled task must still persist how its operation ended
    await asyncio.shield(asyncio.to_thread(store.transition, op_id, state, error))


# without a model the answer is the context itself: sources still busy (an index being
# built, a cold blame) are left out and named, so the answer comes within about a second
NO_MODEL_DEADLINE_S = 0.6


class RunServices(Protocol):
    """What a run uses of the ``ChatService`` that starts it (the service imports the run,
    not the other way round)."""

    ws: Workspace
    operations: OperationStore
    ledger: Ledger
    cache: ResponseCache
    endpoint: Endpoint | None
    client: LLMClient | None
    code_writer: CodeWriter | None

    @property
    def secret_globs(self) -> tuple[str, ...]: ...

    def provider(self) -> ContextProvider: ...


class ChatRun:
    """One operation's state while it runs."""

    def __init__(self, service: RunServices, op: Operation, request: ChatRequest,
                 sink: ChatSink, warning: str | None = None) -> None:
        self.svc = service
        self.warning = warning  # the user's message held a secret: said before the answer
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
        if self.warning:
            await self.sink.say(self.warning)
            await self._text(f"⚠ {self.warning}\n\n")
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
                                               self.req.path, self.op.session_id)
        if learned is not None:
            context = dataclasses.replace(context, system=f"{context.system}\n\n{learned.text}")
            await self.event("learned", learned.event)
        asked = await self.svc.provider().record(self.op.session_id, "user", self.req.message)
        if self.svc.client is None:
            await self._text(no_model_answer(context))
        else:
            await self._converse(context)
        response = "".join(self.texts)
        await self._collect_artifacts(response)
        answered = await self.svc.provider().record(self.op.session_id, "assistant", response)
        await learning.after_answer(self.svc.ws, learning.ChatTurn(
            self.op.id, self.op.session_id, asked, answered, self.req.message,
            learning.workspace_path(self.svc.ws, self.req.path), response, self.steps,
            [a.path for a in self.artifacts], pattern_id=learned.event.get("patternId")
            if learned is not None else None))
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
        await self.sink.emit(TextPartial(text))

    async def _run_tool(self, call_id: str, name: str, raw_args: str) -> str:
        try:
            shown: Any = json.loads(raw_args) if raw_args.strip() else {}
        except ValueError:
            shown = raw_args
        await self.sink.emit(ToolCallPartial(call_id, name, shown))
        await self.sink.say(f"calling {name}")
        await self.event("tool_call", {"callId": call_id, "name": name, "args": shown})
        self.steps.append((name, shown))
        ok, out = await self.tools.call(name, raw_args)
        await self.event("tool_result", {"callId": call_id, "name": name, "ok": ok,
                                         "summary": out.summary, "chars": len(out.content)})
        await self.sink.emit(ToolResultPartial(call_id, name, ok, out.summary))
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
            await self.sink.emit(ArtifactPartial(art))


def no_model_answer(context: PromptContext) -> str:
    body = "\n\n".join(f"## {s.title}\n\n{s.markdown}" for s in context.sections)
    if not body:
        body = "Mira found no context for this question."
    return f"{NO_MODEL_NOTE}\n\n{body}"
