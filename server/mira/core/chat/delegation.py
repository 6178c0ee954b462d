"""Delegation: a second model writes code while the chat model orchestrates.

The chat model calls the ``write_code`` tool with a path and instructions; the code
model (``codeModel``, its own endpoint and key) returns the file's new content,
which becomes an artifact the user reviews. Its calls go through the same ledger
(budget checked before, cost recorded after) and response cache as the chat model's.
"""

from __future__ import annotations

import asyncio
import re
import time

from mira.core.chat.cache import ResponseCache, cache_key
from mira.core.chat.ledger import CallRecord, Ledger
from mira.core.chat.llm_client import LLMClient, LLMError
from mira.core.endpoint import Endpoint, elapsed_ms

SYSTEM = ("You are a code generator. Reply with only the complete new content of the file,"
          " no explanation and no Markdown fences.")
_FENCE = re.compile(r"^\s*```[^\n]*\n(.*?)\n?```\s*$", re.DOTALL)


def strip_fence(text: str) -> str:
    m = _FENCE.match(text)
    return m.group(1) + "\n" if m else text


class CodeWriter:
    def __init__(self, endpoint: Endpoint, ledger: Ledger, cache: ResponseCache) -> None:
        self.endpoint = endpoint
        self.client = LLMClient(endpoint)
        self.ledger = ledger
        self.cache = cache

    async def write(self, path: str, instructions: str, current: str | None,
                    operation_id: str | None = None) -> str:
        """The new content of ``path``. Raises LLMError / BudgetExceeded."""
        shown = f"Current content:\n```\n{current}\n```" if current else "The file is new."
        messages = [{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": f"File: {path}\n{shown}\n\n"
                                                f"Instructions: {instructions}"}]
        model = self.endpoint.model
        key = cache_key(messages, [], model, "code")
        started = time.perf_counter()
        cached = await asyncio.to_thread(self.cache.get, key)
        if cached is not None:
            await asyncio.to_thread(self.ledger.record, CallRecord(
                model, cached.prompt_tokens, cached.completion_tokens, 0, 0.0,
                elapsed_ms(started), True, operation_id))
            return strip_fence(cached.text)
        await asyncio.to_thread(self.ledger.check)
        try:
            response = await self.client.complete(messages, [])
        except LLMError as exc:
            await asyncio.to_thread(self.ledger.record, CallRecord(
                model, 0, 0, 0, 0.0, elapsed_ms(started), False, operation_id, str(exc)))
            raise
        used = response.model or model
        await asyncio.to_thread(self.ledger.record, CallRecord(
            used, response.prompt_tokens, response.completion_tokens,
            response.reasoning_tokens,
            self.ledger.cost(used, response.prompt_tokens, response.completion_tokens),
            elapsed_ms(started), False, operation_id))
        await asyncio.to_thread(self.cache.put, key, response)
        return strip_fence(response.text)

    async def aclose(self) -> None:
        await self.client.aclose()
