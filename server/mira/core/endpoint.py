"""The language model endpoint, resolved once from ``MiraConfig``.

Chat and memory analysis call the same OpenAI-compatible endpoint; resolving it in one
place means a setting given any way (initializationOptions, ``MIRA_*``, ``OPENAI_*``,
flags) reaches both. The key stays inside ``Endpoint`` and the SDK client
(``__repr__`` hides it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from mira.core.config import MiraConfig

DEFAULT_MODEL = "gpt-5.1"


@dataclass
class Endpoint:
    base_url: str | None  # None: api.openai.com
    api_key: str
    model: str
    timeout_s: float = 120.0
    max_retries: int = 3

    def __repr__(self) -> str:  # never show the key, not even in a traceback
        return f"Endpoint(base_url={self.base_url!r}, model={self.model!r})"

    @property
    def where(self) -> str:
        return self.base_url or "the OpenAI API"


def endpoint_from(config: MiraConfig) -> Endpoint | None:
    """The configured model endpoint, or None (no base URL and no key): chat then answers
    with context only and memory uses heuristics."""
    base_url = (config.llm_base_url or "").strip()
    api_key = (config.openai_api_key or "").strip()
    if not base_url and not api_key:
        return None
    model = (config.model or "").strip() or DEFAULT_MODEL
    return Endpoint(base_url or None, api_key, model, float(config.llm_timeout_s),
                    int(config.llm_max_retries))


def code_endpoint_from(config: MiraConfig) -> Endpoint | None:
    """The code model's endpoint (delegation), or None when ``codeModel`` is not set. Its
    base URL and key default to the chat endpoint's."""
    model = (config.code_model or "").strip()
    if not model:
        return None
    base_url = (config.code_model_base_url or config.llm_base_url or "").strip()
    api_key = (config.code_model_api_key or config.openai_api_key or "").strip()
    if not base_url and not api_key:
        return None
    return Endpoint(base_url or None, api_key, model, float(config.llm_timeout_s),
                    int(config.llm_max_retries))


def elapsed_ms(start: float) -> float:
    """Milliseconds since ``start`` (a ``time.perf_counter()`` value)."""
    return (time.perf_counter() - start) * 1000.0
