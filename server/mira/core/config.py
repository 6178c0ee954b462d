"""Mira's settings: one dataclass, three spellings of the same keys.

``initializationOptions`` / VS Code settings use camelCase (``hintThreshold``),
environment variables ``MIRA_`` + upper snake case (``MIRA_HINT_THRESHOLD``), CLI
flags kebab case (``--hint-threshold``). Precedence: defaults < environment <
initialization options / flags. A bad value never stops Mira: it is reported and
the default is kept.

A few settings also have the names other tools use (``OPENAI_BASE_URL``,
``BUDGET_DAILY_LIMIT_USD``; metadata ``"env"``), read when the ``MIRA_`` name is
not set. API keys (``OPENAI_API_KEY``, ``QDRANT_API_KEY``) are read here too, from
the environment only: never from initializationOptions or flags (they would land
in settings files and process lists), never shown by ``repr``. So are the server's
poll intervals (``MIRA_CLIENT_POLL_S``, ``MIRA_WRITER_POLL_S``): tuning for tests and
benchmarks, not settings an editor offers. Nothing else in Mira reads the environment
for settings (``XDG_CACHE_HOME`` is the platform's per-user cache directory, read with
``HOME`` where that cache is located: ``stores/location.py``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class MiraConfig:
    data_dir: str | None = field(default=None, metadata={
        "help": "where the index lives (default: .mira/ in the workspace root)"})
    log_level: str = field(default="INFO", metadata={
        "help": "DEBUG, INFO, WARNING or ERROR", "choices": ("DEBUG", "INFO", "WARNING", "ERROR")})
    watch: bool = field(default=True, metadata={
        "help": "watch the workspace and re-index on changes"})
    watch_debounce_ms: int = field(default=200, metadata={
        "help": "quiet time before a burst of file events is handled", "min": 10, "max": 300})
    cochange_limit: int = field(default=10, metadata={
        "help": "how many co-changed files to return", "min": 1, "max": 200})
    hints_enabled: bool = field(default=True, metadata={
        "help": "show 'usually changed together' hints on modified files"})
    hint_threshold: float = field(default=0.5, metadata={
        "help": "minimum confidence (0-1) of a partner for a live hint", "min": 0.0, "max": 1.0})
    hint_min_shared: int = field(default=3, metadata={
        "help": "minimum shared commits for a live hint", "min": 1, "max": 10_000})
    code_lens_enabled: bool = field(default=True, metadata={"help": "show CodeLens"})
    nested_repo_depth: int = field(default=3, metadata={
        "help": "how deep to look for nested git repositories", "min": 0, "max": 10})
    # -- build errors and historical fixes (mira build, mira.runBuild, mira/fixes) --
    build_commands: str | None = field(default=None, metadata={
        "help": "build/test commands, one per line (default: detected from pyproject.toml,"
                " package.json, Cargo.toml, go.mod, Makefile)"})
    build_timeout_s: float = field(default=600.0, metadata={
        "help": "seconds before a build command's process group is killed",
        "min": 1.0, "max": 86_400.0})
    build_output_cap_mb: int = field(default=8, metadata={
        "help": "output kept per build run (start and end; the middle is dropped)",
        "min": 1, "max": 1024})
    # -- context oracle, prompt builder and memory (mira/context, mira/memory) --
    context_persona: str | None = field(default=None, metadata={
        "help": "the persona at the top of every prompt (default: Mira's own)"})
    context_guideline_files: str = field(
        default="AGENTS.md,CLAUDE.md,CONTRIBUTING.md,.mira/guidelines.md", metadata={
            "help": "project guideline files put in every prompt (comma separated)"})
    context_secret_globs: str | None = field(default=None, metadata={
        "help": "extra secret file globs: never indexed, embedded, shown or sent to a model"
                " (comma separated; .env, keys, credential files are always excluded)"})
    context_source_timeout_s: float = field(default=20.0, metadata={
        "help": "seconds one context source may take before it is skipped",
        "min": 0.1, "max": 600.0})
    # -- code intelligence: tree-sitter symbols, call graph, concepts, patterns --
    code_enabled: bool = field(default=True, metadata={
        "help": "parse source files for symbols, calls, concepts and patterns"})
    code_max_file_bytes: int = field(default=1_000_000, metadata={
        "help": "source files larger than this are not parsed (generated code)",
        "min": 1_000, "max": 100_000_000})
    code_index_workers: int = field(default=0, metadata={
        "help": "processes for a bulk code index (0: one per CPU core)", "min": 0, "max": 64})
    code_call_guesses: bool = field(default=False, metadata={
        "help": "also show calls guessed by name (unresolved; marked as guesses) in the call"
                " hierarchy, callers/callees and impact"})
    # -- semantic layer: embeddings, vector store, hybrid search --
    semantic_enabled: bool = field(default=True, metadata={
        "help": "embed code and commits for hybrid search"})
    embedder: str = field(default="minilm", metadata={
        "help": "minilm (offline, bundled) or openai (any OpenAI-compatible endpoint)",
        "choices_lower": ("minilm", "openai")})
    embedding_model: str = field(default="text-embedding-3-large", metadata={
        "help": "model name for the openai embedder"})
    embedding_dimension: int = field(default=3072, metadata={
        "help": "vector size of the openai embedder's model", "min": 8, "max": 16384})
    embedding_base_url: str | None = field(default=None, metadata={
        "help": "base URL of an OpenAI-compatible embeddings endpoint (key: OPENAI_API_KEY)"})
    qdrant_url: str | None = field(default=None, metadata={
        "help": "a Qdrant server instead of the embedded store (key: QDRANT_API_KEY)"})
    # -- chat: language model, tools, budget and cache (mira/chat) --
    model: str | None = field(default=None, metadata={
        "help": "chat model (default gpt-5.1 once an endpoint or OPENAI_API_KEY is set)"})
    llm_base_url: str | None = field(default=None, metadata={
        "help": "OpenAI-compatible endpoint, e.g. a local llama.cpp server (default:"
                " OPENAI_BASE_URL; key: OPENAI_API_KEY)", "env": "OPENAI_BASE_URL"})
    llm_timeout_s: float = field(default=120.0, metadata={
        "help": "seconds one model call may take", "min": 1.0, "max": 3600.0})
    llm_max_retries: int = field(default=3, metadata={
        "help": "retries (with backoff) after 429, 5xx, timeouts", "min": 0, "max": 10})
    chat_max_tool_rounds: int = field(default=8, metadata={
        "help": "tool-calling rounds before the model must answer", "min": 0, "max": 50})
    chat_tool_choice: str = field(default="auto", metadata={
        "help": "first round's tool choice: auto, required, or a tool name the model must"
                " call first (e.g. search_code)"})
    budget_daily_limit_usd: float | None = field(default=None, metadata={
        "help": "refuse model calls once this much was spent today (also"
                " BUDGET_DAILY_LIMIT_USD)", "min": 0.0, "max": 1e6,
        "env": "BUDGET_DAILY_LIMIT_USD"})
    budget_monthly_limit_usd: float | None = field(default=None, metadata={
        "help": "refuse model calls once this much was spent this month (also"
                " BUDGET_MONTHLY_LIMIT_USD)", "min": 0.0, "max": 1e7,
        "env": "BUDGET_MONTHLY_LIMIT_USD"})
    llm_prices: str | None = field(default=None, metadata={
        "help": "extra prices, USD per million tokens: 'model=input/output, ...'"})
    llm_cache_ttl_s: float = field(default=86_400.0, metadata={
        "help": "how long a cached model response is reused (0 disables the cache)",
        "min": 0.0, "max": 31_536_000.0})
    llm_cache_max_mb: int = field(default=64, metadata={
        "help": "size of the response cache before least recently used entries go",
        "min": 1, "max": 100_000})
    memory_model_analysis: bool = field(default=True, metadata={
        "help": "let the configured model score, summarize and extract facts from chat"
                " messages (extra model calls; heuristics otherwise)"})
    code_model: str | None = field(default=None, metadata={
        "help": "a second model for code-producing steps (the chat model orchestrates and"
                " calls it through the write_code tool); budgeted and cached like the chat"
                " model"})
    code_model_base_url: str | None = field(default=None, metadata={
        "help": "the code model's OpenAI-compatible endpoint (default: the chat endpoint;"
                " key: MIRA_CODE_MODEL_API_KEY, else OPENAI_API_KEY)"})
    run_command_enabled: bool = field(default=False, metadata={
        "help": "let the chat model run allow-listed commands in the workspace"})
    run_command_allowlist: str = field(
        default="pytest,python -m pytest,make,npm test,cargo test,go test,ruff,mypy,git status",
        metadata={"help": "command prefixes run_command accepts (comma separated)"})
    run_command_timeout_s: float = field(default=60.0, metadata={
        "help": "seconds before a run_command process is killed", "min": 1.0, "max": 3600.0})
    # -- tuning: from the environment only (MIRA_*), not offered as settings --
    client_poll_s: float = field(default=2.0, metadata={
        "env_only": True, "min": 0.05, "max": 60.0,
        "help": "how often the server checks that the editor process named in initialize is"
                " still running (it stops when it is gone)"})
    writer_poll_s: float = field(default=5.0, metadata={
        "env_only": True, "min": 0.05, "max": 600.0,
        "help": "how often a second server on a workspace checks whether the indexing server"
                " has exited (it then takes over the indexing)"})
    # -- keys: from the environment only, never shown --
    openai_api_key: str | None = field(default=None, repr=False, metadata={
        "secret": True, "env": "OPENAI_API_KEY",
        "help": "key of the chat and embeddings endpoints"})
    code_model_api_key: str | None = field(default=None, repr=False, metadata={
        "secret": True, "env": "MIRA_CODE_MODEL_API_KEY", "help": "key of the code model"})
    qdrant_api_key: str | None = field(default=None, repr=False, metadata={
        "secret": True, "env": "QDRANT_API_KEY", "help": "key of the Qdrant server"})


def settings_fields() -> list[dataclasses.Field[Any]]:
    """The settings clients and flags may set (every field but keys and tuning)."""
    return [f for f in dataclasses.fields(MiraConfig) if not _environment_only(f)]


def _environment_only(f: dataclasses.Field[Any]) -> bool:
    return bool(f.metadata.get("secret") or f.metadata.get("env_only"))


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def env_name(name: str) -> str:
    return "MIRA_" + name.upper()


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _field_type(f: dataclasses.Field[Any]) -> type:
    hints = typing.get_type_hints(MiraConfig)
    kind = hints[f.name]
    if isinstance(kind, types.UnionType):
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    return typing.cast(type, kind)


def _convert(f: dataclasses.Field[Any], value: Any) -> Any:
    kind = _field_type(f)
    if value is None:
        if f.default is None:
            return None
        raise ValueError("must not be null")
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on"):
            return True
        if isinstance(value, str) and value.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected true or false, got {value!r}")
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int | str | float):
            raise ValueError(f"expected an integer, got {value!r}")
        converted: Any = int(value)
        if isinstance(value, float) and value != converted:
            raise ValueError(f"expected an integer, got {value!r}")
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"expected a number, got {value!r}")
        converted = float(value)
    else:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        converted = value
    meta = f.metadata
    if "choices_lower" in meta:
        converted = str(converted).lower()
        if converted not in meta["choices_lower"]:
            raise ValueError(f"expected one of {', '.join(meta['choices_lower'])}, got {value!r}")
    if "choices" in meta:
        converted = str(converted).upper()
        if converted not in meta["choices"]:
            raise ValueError(f"expected one of {', '.join(meta['choices'])}, got {value!r}")
    if "min" in meta and converted < meta["min"]:
        raise ValueError(f"must be at least {meta['min']}, got {value!r}")
    if "max" in meta and converted > meta["max"]:
        raise ValueError(f"must be at most {meta['max']}, got {value!r}")
    return converted


def apply(config: MiraConfig, values: Mapping[str, Any], source: str) -> list[str]:
    """Apply ``values`` (camelCase or snake_case keys) onto ``config``; return warnings."""
    warnings: list[str] = []
    fields = {f.name: f for f in dataclasses.fields(MiraConfig)}
    for key, value in values.items():
        name = key if key in fields else _snake(key)
        f = fields.get(name)
        if f is None:
            warnings.append(f"{source}: unknown setting {key!r} ignored")
            continue
        if _environment_only(f) and source != "environment":
            warnings.append(f"{source}: {key} is read from the environment only"
                            f" ({f.metadata.get('env') or env_name(f.name)}); ignored")
            continue
        try:
            setattr(config, name, _convert(f, value))
        except (ValueError, TypeError) as exc:
            warnings.append(f"{source}: {key} {exc}; using {getattr(config, name)!r}")
    return warnings


def from_env(environ: Mapping[str, str] | None = None) -> tuple[MiraConfig, list[str]]:
    environ = os.environ if environ is None else environ
    config = MiraConfig()
    values: dict[str, str] = {}
    for f in dataclasses.fields(MiraConfig):
        names = [] if f.metadata.get("secret") else [env_name(f.name)]
        names += [f.metadata["env"]] if "env" in f.metadata else []
        # an empty variable is unset (``OPENAI_API_KEY= mira …``), not an invalid value
        found = next((environ[n].strip() for n in names if environ.get(n, "").strip()), None)
        if found is not None:
            values[f.name] = found
    return config, apply(config, values, "environment")


def load(options: Any = None, environ: Mapping[str, str] | None = None
         ) -> tuple[MiraConfig, list[str]]:
    """Defaults < environment < ``options`` (initializationOptions or CLI flags)."""
    config, warnings = from_env(environ)
    if options is None:
        return config, warnings
    if not isinstance(options, Mapping):
        warnings.append(f"initializationOptions must be an object, got {type(options).__name__};"
                        " using defaults")
        return config, warnings
    return config, warnings + apply(config, options, "initializationOptions")


def defaults_as_camel() -> dict[str, Any]:
    """The defaults keyed as clients spell them (the VS Code extension checks against this)."""
    return {camel(f.name): f.default for f in settings_fields()}
