"""The optional language model behind memory analysis (salience, facts, summaries).

Why a small function of its own: memory works without any model (heuristics and
extractive summaries); when a model endpoint is configured (``llmBaseUrl``/``model``
however they are given, or ``OPENAI_API_KEY``: the endpoint chat uses, resolved by
``mira.core.endpoint``), or a caller injects a ``complete(prompt) -> str`` callable
(tests, the chat engine), it is used instead. The API key is passed to the client and
never logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mira.core import secrets
from mira.core.config import MiraConfig
from mira.core.endpoint import elapsed_ms, endpoint_from

CompleteFn = Callable[[str], str]  # blocking: prompt in, text out
TIMEOUT_S = 30.0


@dataclass
class LanguageModel:
    name: str
    complete: CompleteFn


def language_model(config: MiraConfig, complete: CompleteFn | None = None
                   ) -> LanguageModel | None:
    """The injected ``complete``, else the configured endpoint's model, else None
    (heuristics only). Memory calls are short: at most ``TIMEOUT_S``, no retries."""
    if complete is not None:
        return LanguageModel("injected", complete)
    endpoint = endpoint_from(config)
    if endpoint is None:
        return None
    return LanguageModel(endpoint.model, OpenAICompleter(
        endpoint.base_url, endpoint.api_key or "not-needed", endpoint.model,
        min(endpoint.timeout_s, TIMEOUT_S)))


# called after each call: model, prompt tokens, completion tokens, latency ms, error (or None)
AfterCall = Callable[[str, int, int, float, "str | None"], None]


class OpenAICompleter:
    """A blocking one-prompt completion through the ``openai`` SDK (memory analysis).

    ``before`` runs ahead of each call (the chat engine's budget check, which may refuse)
    and ``after`` receives its usage (the chat engine records it), so memory's calls are
    budgeted like chat's when the chat endpoint serves them.
    """

    def __init__(self, base_url: str | None, api_key: str, model: str,
                 timeout_s: float = TIMEOUT_S, max_retries: int = 0,
                 before: Callable[[], object] | None = None,
                 after: AfterCall | None = None) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.model = model
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.before = before
        self.after = after
        self._client: Any = None

    def __repr__(self) -> str:  # never show the key
        return f"OpenAICompleter(base_url={self.base_url!r}, model={self.model!r})"

    def __call__(self, prompt: str) -> str:
        import openai  # lazily: only when a model is configured

        if self.before is not None:
            self.before()
        if self._client is None:
            self._client = openai.OpenAI(base_url=self.base_url, api_key=self.api_key,
                                         timeout=self.timeout_s, max_retries=self.max_retries)
        started = time.perf_counter()
        try:
            response = self._client.chat.completions.create(
                model=self.model, messages=[{"role": "user",
                                             "content": secrets.redact(prompt)}],
                temperature=0, max_tokens=400)
        except openai.OpenAIError as exc:
            if self.after is not None:
                self.after(self.model, 0, 0, elapsed_ms(started), type(exc).__name__)
            raise
        if self.after is not None:
            usage = response.usage
            self.after(response.model or self.model, usage.prompt_tokens if usage else 0,
                       usage.completion_tokens if usage else 0, elapsed_ms(started), None)
        return (response.choices[0].message.content or "") if response.choices else ""

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
