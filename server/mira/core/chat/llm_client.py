"""One Chat Completions call against any OpenAI-compatible endpoint, streamed.

Why our own wrapper around the ``openai`` SDK: servers differ in what they accept
(``reasoning_effort``, ``stream_options``) and in how they fail (llama.cpp returns
an *empty* stream instead of an error when tools are offered while streaming), and
users need errors that say what to fix rather than HTTP status codes. Retries
with backoff happen here, only before any text reached the caller (a retry after
streamed text would repeat it). Cancelling the awaiting task closes the stream.
The API key goes to the SDK client and nowhere else.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from mira.core import secrets
from mira.core.endpoint import Endpoint

log = logging.getLogger(__name__)

TextFn = Callable[[str], Awaitable[None] | None]

EFFORTS = {"minimum": "minimal", "medium": "medium", "high": "high"}
_REASONING_MODELS = re.compile(r"^(gpt-5|o\d)", re.IGNORECASE)
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 20.0


async def notify(fn: Callable[[Any], Awaitable[None] | None] | None, value: Any) -> None:
    """Call a listener that may be plain or async (terminal output, LSP notifications)."""
    if fn is None:
        return
    result = fn(value)
    if inspect.isawaitable(result):
        await result


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str  # raw JSON text, as the model wrote it


@dataclass
class LLMResponse:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    finish_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "model": self.model, "finish_reason": self.finish_reason,
                "tool_calls": [vars(c) for c in self.tool_calls],
                "usage": [self.prompt_tokens, self.completion_tokens, self.reasoning_tokens]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LLMResponse:
        usage = data.get("usage") or [0, 0, 0]
        return cls(str(data.get("text", "")), [ToolCall(**c) for c in data.get("tool_calls", [])],
                   str(data.get("model", "")), int(usage[0]), int(usage[1]), int(usage[2]),
                   data.get("finish_reason"))


class LLMError(Exception):
    """A model call failed for good; ``str(self)`` tells the user what to do."""

    def __init__(self, message: str, kind: str, status: int | None = None) -> None:
        super().__init__(message)
        # auth | not_found | rate_limit | server | timeout | connection | bad_request
        self.kind = kind
        self.status = status


class LLMClient:
    def __init__(self, endpoint: Endpoint, sleep: Callable[[float], Awaitable[None]] | None = None
                 ) -> None:
        self.endpoint = endpoint
        self._sleep = sleep or asyncio.sleep
        self._client: Any = None
        # learned about the server as we go
        self._stream_usage = True
        self._reasoning = bool(_REASONING_MODELS.match(endpoint.model))
        self._stream_with_tools = True

    def _sdk(self) -> Any:
        if self._client is None:
            import openai  # lazily: chat without a model never imports it

            self._client = openai.AsyncOpenAI(
                base_url=self.endpoint.base_url, api_key=self.endpoint.api_key or "not-needed",
                timeout=self.endpoint.timeout_s, max_retries=0)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]],
                       effort: str | None = None, on_text: TextFn | None = None,
                       tool_choice: str = "auto") -> LLMResponse:
        """Stream one completion; text deltas go to ``on_text`` as they arrive."""
        import openai

        attempt = 0
        while True:
            emitted = False

            async def emit(text: str) -> None:
                nonlocal emitted
                emitted = True
                await notify(on_text, text)

            try:
                stream = self._stream_with_tools or not tools
                response = await self._once(messages, tools, effort, emit, stream, tool_choice)
                if stream and tools and not response.text and not response.tool_calls:
                    # llama.cpp-style servers answer tools+stream with an empty stream
                    log.info("empty streamed answer with tools offered: calling without"
                             " streaming from now on")
                    self._stream_with_tools = False
                    response = await self._once(messages, tools, effort, emit, False,
                                                tool_choice)
                return response
            except openai.BadRequestError as exc:
                text = _error_text(exc)
                if self._reasoning and "reasoning" in text.lower():
                    self._reasoning = False
                    continue
                if self._stream_usage and "stream_options" in text:
                    self._stream_usage = False
                    continue
                raise LLMError(f"{self.endpoint.where} rejected the request (400): {text}",
                               "bad_request", 400) from None
            except openai.AuthenticationError:
                raise LLMError(f"{self.endpoint.where} refused the API key (401): set"
                               " OPENAI_API_KEY to a valid key for this endpoint", "auth",
                               401) from None
            except openai.PermissionDeniedError:
                raise LLMError(f"{self.endpoint.where} denied access (403) to model"
                               f" {self.endpoint.model!r}", "auth", 403) from None
            except openai.NotFoundError:
                raise LLMError(f"model {self.endpoint.model!r} or its endpoint was not found"
                               f" at {self.endpoint.where} (404): check MIRA_MODEL and"
                               " OPENAI_BASE_URL", "not_found", 404) from None
            except (openai.RateLimitError, openai.InternalServerError, openai.APITimeoutError,
                    openai.APIConnectionError, openai.UnprocessableEntityError) as exc:
                kind, status = _transient(exc)
                if emitted or attempt >= self.endpoint.max_retries:
                    raise LLMError(_give_up(kind, status, self.endpoint, attempt + 1), kind,
                                   status) from None
                delay = _retry_after(exc) or min(BACKOFF_BASE_S * 2 ** attempt, BACKOFF_MAX_S)
                log.warning("model call failed (%s), retry %d in %.1fs", kind, attempt + 1, delay)
                attempt += 1
                await self._sleep(delay)
            except openai.APIStatusError as exc:
                raise LLMError(f"{self.endpoint.where} answered {exc.status_code}:"
                               f" {_error_text(exc)}", "server", exc.status_code) from None

    async def _once(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]],
                    effort: str | None, emit: Callable[[str], Awaitable[None]], stream: bool,
                    tool_choice: str = "auto") -> LLMResponse:
        kwargs: dict[str, Any] = {"model": self.endpoint.model,
                                  "messages": redact_messages(messages)}
        if tools:
            kwargs["tools"] = tools
            kwargs["tool_choice"] = _tool_choice(tool_choice, tools)
        if effort and self._reasoning and effort in EFFORTS:
            kwargs["reasoning_effort"] = EFFORTS[effort]
        if not stream:
            completion = await self._sdk().chat.completions.create(**kwargs)
            return await _from_completion(completion, emit)
        if self._stream_usage:
            kwargs["stream_options"] = {"include_usage": True}
        sdk_stream = await self._sdk().chat.completions.create(stream=True, **kwargs)
        try:
            return await _from_stream(sdk_stream, emit)
        finally:
            await sdk_stream.close()  # also on cancellation: the HTTP stream is closed


def _tool_choice(choice: str, tools: list[dict[str, Any]]) -> Any:
    """``auto`` / ``required`` / ``none`` as they are, a tool's name as a forced call."""
    if choice in ("auto", "required", "none"):
        return choice
    names = {t.get("function", {}).get("name") for t in tools}
    if choice in names:
        return {"type": "function", "function": {"name": choice}}
    return "auto"


async def _from_completion(completion: Any, emit: Callable[[str], Awaitable[None]]
                           ) -> LLMResponse:
    out = LLMResponse(model=str(getattr(completion, "model", "") or ""))
    choice = completion.choices[0] if completion.choices else None
    if choice is not None:
        message = choice.message
        out.text = message.content or ""
        out.finish_reason = choice.finish_reason
        for call in message.tool_calls or []:
            out.tool_calls.append(ToolCall(call.id or f"call_{len(out.tool_calls)}",
                                           call.function.name, call.function.arguments or ""))
    _usage(out, getattr(completion, "usage", None))
    if out.text:
        await emit(out.text)
    return out


async def _from_stream(stream: Any, emit: Callable[[str], Awaitable[None]]) -> LLMResponse:
    out = LLMResponse()
    calls: dict[int, dict[str, str]] = {}
    parts: list[str] = []
    async for chunk in stream:
        out.model = out.model or str(getattr(chunk, "model", "") or "")
        _usage(out, getattr(chunk, "usage", None))
        for choice in chunk.choices or []:
            delta = choice.delta
            if choice.finish_reason:
                out.finish_reason = choice.finish_reason
            if delta is None:
                continue
            if delta.content:
                parts.append(delta.content)
                await emit(delta.content)
            for tc in delta.tool_calls or []:
                slot = calls.setdefault(tc.index or 0, {"id": "", "name": "", "arguments": ""})
                slot["id"] = tc.id or slot["id"]
                if tc.function is not None:
                    name = tc.function.name or ""
                    if name != slot["name"]:  # llama.cpp repeats the whole name in every chunk
                        slot["name"] += name
                    slot["arguments"] += tc.function.arguments or ""
    out.text = "".join(parts)
    out.tool_calls = [ToolCall(c["id"] or f"call_{i}", c["name"], c["arguments"])
                      for i, c in sorted(calls.items()) if c["name"]]
    return out


def _usage(out: LLMResponse, usage: Any) -> None:
    if usage is None:
        return
    out.prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
    out.completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
    details = getattr(usage, "completion_tokens_details", None)
    out.reasoning_tokens = int(getattr(details, "reasoning_tokens", 0) or 0) if details else 0


def _error_text(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:500]
        return json.dumps(body)[:500]
    return str(getattr(exc, "message", exc))[:500]


def _transient(exc: Exception) -> tuple[str, int | None]:
    import openai

    if isinstance(exc, openai.RateLimitError):
        return "rate_limit", 429
    if isinstance(exc, openai.APITimeoutError):
        return "timeout", None
    if isinstance(exc, openai.APIConnectionError):
        return "connection", None
    return "server", getattr(exc, "status_code", None)


def _give_up(kind: str, status: int | None, endpoint: Endpoint, attempts: int) -> str:
    what = {"rate_limit": "is rate limiting requests (429)",
            "timeout": f"did not answer within {endpoint.timeout_s:.0f} s",
            "connection": "could not be reached",
            }.get(kind, f"failed with a server error ({status})")
    return (f"{endpoint.where} {what}; gave up after {attempts} attempt"
            f"{'s' if attempts != 1 else ''}")


def _retry_after(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    value = headers.get("retry-after")
    try:
        return min(max(float(value), 0.0), BACKOFF_MAX_S) if value is not None else None
    except ValueError:
        return None



def redact_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages with secret tokens redacted: the last point before text leaves the
    machine, so whatever a context section or tool let through is caught here (the gate)."""
    out = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            redacted = secrets.redact(content)
            if redacted != content:
                message = {**message, "content": redacted}
        out.append(message)
    return out
