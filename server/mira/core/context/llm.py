"""The optional language model behind memory analysis (salience, facts, summaries).

Why a small function of its own: memory works without any model (heuristics and
extractive summaries); when ``OPENAI_BASE_URL`` and ``MIRA_MODEL`` are set (an
OpenAI-compatible server, e.g. a local llama.cpp), or a caller injects a
``complete(prompt) -> str`` callable (tests, the chat engine), it is used instead.
The API key is passed to the client and never logged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

CompleteFn = Callable[[str], str]  # blocking: prompt in, text out
TIMEOUT_S = 30.0


@dataclass
class LanguageModel:
    name: str
    complete: CompleteFn


def language_model(environ: Mapping[str, str] | None = None,
                   complete: CompleteFn | None = None) -> LanguageModel | None:
    """The configured model, the injected ``complete``, or None (heuristics only)."""
    if complete is not None:
        return LanguageModel("injected", complete)
    env = os.environ if environ is None else environ
    base_url = env.get("OPENAI_BASE_URL", "").strip()
    model = env.get("MIRA_MODEL", "").strip()
    if not base_url or not model:
        return None
    api_key = env.get("OPENAI_API_KEY", "").strip() or "not-needed"
    return LanguageModel(model, _openai_complete(base_url, api_key, model))


def _openai_complete(base_url: str, api_key: str, model: str) -> CompleteFn:
    client = None

    def complete(prompt: str) -> str:
        nonlocal client
        if client is None:
            import openai  # lazily: only when a model is configured

            client = openai.OpenAI(base_url=base_url, api_key=api_key, timeout=TIMEOUT_S,
                                   max_retries=0)
        response = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": prompt}], temperature=0,
            max_tokens=400)
        return response.choices[0].message.content or ""

    return complete
