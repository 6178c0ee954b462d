"""The gate end to end: every entry point x every secret kind x symlinks out.

One repository full of secrets (tests/support/leaky_repo.py) goes through everything a
user can do — git index, code index, search index over code and commits (embedded by a
scripted OpenAI-compatible endpoint that records what it receives), ``mira/search``,
``mira/context``, a chat with tool calls against a scripted model, memory, build-history
mining. Then no marker may appear in any answer, in anything sent to the model or the
embeddings endpoint, in any log record, or in any byte of any file under ``.mira/``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mira.core.build.service import BuildService
from mira.core.chat.service import ChatRequest, ChatService, ChatSink
from mira.core.chat.tools import ToolBox
from mira.core.code.service import CodeService
from mira.core.config import MiraConfig
from mira.core.context.api import ContextRequest
from mira.core.context.service import ContextService
from mira.core.secrets import parse_globs
from mira.core.semantic.service import SearchService
from mira.core.workspace import Workspace
from tests.support.leaky_repo import (
    OUTSIDE_MARKER,
    SECRET_FILES,
    USER_GLOBS,
    LeakyRepo,
    grep_tree,
    leaky_fixture,
)
from tests.support.scripted_llm import ScriptedLLM

TOOL_CALLS = [
    *({"name": "read_file", "arguments": json.dumps({"path": p})} for p in SECRET_FILES),
    {"name": "read_file", "arguments": json.dumps({"path": "app/settings.py"})},
    {"name": "read_file", "arguments": json.dumps({"path": "docs/deploy.md"})},
    {"name": "read_file", "arguments": json.dumps({"path": "docs/linked.md"})},
    {"name": "read_file", "arguments": json.dumps({"path": "config.txt"})},
    {"name": "read_file", "arguments": json.dumps({"path": "vendor_link/notes.txt"})},
    {"name": "read_file", "arguments": json.dumps({"path": ".env.production"})},
    {"name": "list_files", "arguments": "{}"},
    {"name": "search_code", "arguments": json.dumps({"query": "payment gateway value"})},
    {"name": "search_code", "arguments": json.dumps({"query": "FILE-MARKER ZEBRA"})},
    {"name": "git_log", "arguments": "{}"},
    {"name": "git_show", "arguments": json.dumps({"commit": "HEAD~1"})},
    {"name": "git_show", "arguments": json.dumps({"commit": "HEAD~2"})},
    {"name": "fixes", "arguments": json.dumps({"error": "TypeError in gateway"})},
    {"name": "find_symbol", "arguments": json.dumps({"name": "charge_card"})},
]


@dataclass
class Run:
    leaky: LeakyRepo
    data_dir: Path
    answers: dict[str, list[str]] = field(default_factory=dict)
    llm: list[dict[str, Any]] = field(default_factory=list)
    embeddings: list[dict[str, Any]] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)

    def add(self, entry: str, value: Any) -> None:
        self.answers.setdefault(entry, []).append(
            value if isinstance(value, str) else json.dumps(value, default=repr))


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(logging.Formatter().format(record))


async def _exercise(leaky: LeakyRepo, data_dir: Path, server: ScriptedLLM, run: Run) -> None:
    config = MiraConfig(
        data_dir=str(data_dir), context_secret_globs=USER_GLOBS, semantic_enabled=True,
        embedder="openai", embedding_base_url=server.base_url, embedding_model="scripted",
        embedding_dimension=server.embedding_dimension, llm_base_url=server.base_url,
        llm_max_retries=1, memory_model_analysis=False)
    ws = Workspace(leaky.root, config)
    try:
        await asyncio.to_thread(ws.open)
        await asyncio.to_thread(ws.index_git)
        code = ws.service(CodeService)
        await asyncio.to_thread(code.index)
        search = ws.service(SearchService)
        await asyncio.to_thread(search.index)
        for name in ("charge_card", "pay", "gateway", "TEST_KEY", "DB_PASSWORD", "value"):
            run.add("code index", [[s.path, s.qualified_name, s.signature, s.docstring] for s in
                                   await code.workspace_symbols(name, 50)])
        build = ws.service(BuildService)
        await build.mine_history()
        run.add("build history", [(f.summary, f.hunk, f.files)
                                  for f in await build.fixes_for("TypeError in gateway")])
        # mira/search: the markers themselves are the most pointed queries
        for query in ["payment gateway value", "retry payment gateway", "rotate stripe key",
                      "private key", "password", OUTSIDE_MARKER, *leaky.markers()[:20]]:
            run.queries.append(query)
            hits = await search.search(query, limit=20, kinds=["code", "git"])
            run.add("mira/search", [(h.path, h.snippet, h.symbol) for h in hits])
        # mira/context: the oracle and the prompt, from an ordinary file and a secret one
        context = ws.service(ContextService)
        tok = leaky.tokens
        for path, selection in [("app/settings.py", None), (".env", None),
                                ("config.txt", None), ("docs/linked.md", None),
                                ("app/settings.py", f"key = '{tok['github-token']}'")]:
            answer = await context.context(ContextRequest(
                "how does the payment gateway charge a card? rotate the stripe key",
                "ctx", path=leaky.root / path, line=3, selection=selection))
            run.add("mira/context", [answer.markdown, answer.prompt.system,
                                     answer.prompt.history])
        # chat: the user pastes a token; the model calls every tool on every secret
        chat = ws.service(ChatService)
        said: list[str] = []
        sink = ChatSink(partial=None, status=said.append)
        answer = await chat.chat(ChatRequest(
            f"the deploy fails with token {tok['npm-token']} and password={tok['password']},"
            " why?", session_id="chat-1"), sink)
        run.add("chat", [answer.response, said])
        run.add("chat warning", answer.response)
        # chat tools, called directly with the model's arguments
        box = ToolBox(ws, parse_globs(USER_GLOBS))
        for call in TOOL_CALLS:
            ok, out = await box.call(call["name"], call["arguments"])
            run.add("chat tools", [call, ok, out.content, out.summary])
        # memory: what the user typed is stored and recalled
        await context.record("mem-1", "user", f"my jwt is {tok['jwt']} keep it")
        recall = await context.memory.recall("mem-1", "jwt", 2000)
        run.add("memory", [[e.content for e in recall.history],
                           [r.entry.content for r in recall.recalled]])
        hits = await search.search_conversation("jwt keep", "mem-1")
        run.add("memory", [h.snippet for h in hits])
    finally:
        await ws.close()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("leaky")
    leaky = leaky_fixture(tmp)
    data_dir = tmp / "data"
    result = Run(leaky, data_dir)
    script = [{"tool_calls": TOOL_CALLS}, {"text": "The payment gateway needs a new key."}]
    capture = _Capture()
    root = logging.getLogger()
    level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        with ScriptedLLM(script) as server:
            asyncio.run(_exercise(leaky, data_dir, server, result))
            result.llm = list(server.requests)
            result.embeddings = list(server.embedding_requests)
    finally:
        root.removeHandler(capture)
        root.setLevel(level)
    result.logs = capture.lines
    yield result


ENTRIES = ["code index", "build history", "mira/search", "mira/context", "chat", "chat tools",
           "memory"]


@pytest.mark.parametrize("entry", ENTRIES)
def test_no_marker_in_any_answer(run: Run, entry: str) -> None:
    assert run.answers.get(entry), f"{entry} was not exercised"
    leaks = {m for text in run.answers[entry] for m in run.leaky.leaks(text)}
    assert not leaks, f"{entry} leaked {sorted(leaks)}"


def test_the_answers_are_real(run: Run) -> None:
    """The run exercised what it claims: ordinary code is found, secrets are refused."""
    search = "\n".join(run.answers["mira/search"])
    assert "app/settings.py" in search and "[REDACTED:" in search
    tools = "\n".join(run.answers["chat tools"])
    assert tools.count("may contain secrets and is never read") >= len(SECRET_FILES)
    assert "outside the workspace" in tools and "charge_card" in tools
    assert "[REDACTED:github-token]" in tools and "[REDACTED:stripe-key]" in tools
    symbols = "\n".join(run.answers["code index"])
    assert "charge_card" in symbols and "app/settings.py" in symbols
    assert "rotate the stripe key [REDACTED:stripe-key]" in "\n".join(
        run.answers["chat tools"])
    assert "looks like a secret" in run.answers["chat warning"][0]
    assert run.embeddings, "the scripted embeddings endpoint was never called"
    assert len(run.llm) == 2, "the scripted model was not called as scripted"


def test_nothing_secret_reaches_the_model_or_the_embeddings_endpoint(run: Run) -> None:
    sent = json.dumps(run.llm)
    assert not run.leaky.leaks(sent)
    assert "[REDACTED:npm-token]" in sent  # the token the user typed, redacted
    # a query the test typed (a marker itself) is embedded as typed: the user sent it
    typed = {json.dumps([q]) for q in run.queries}
    embedded = json.dumps([r for r in run.embeddings if json.dumps(r.get("input")) not in typed])
    assert not run.leaky.leaks(embedded)
    assert "charge_card" in embedded  # ordinary code was embedded


def test_nothing_secret_in_the_logs(run: Run) -> None:
    assert run.logs, "nothing was logged at all"
    assert not run.leaky.leaks("\n".join(run.logs))


def test_nothing_secret_in_any_file_under_the_data_dir(run: Run) -> None:
    assert (run.data_dir / "mira.db").exists()
    assert any(run.data_dir.glob("vectors/*")), "no vector store was written"
    assert grep_tree(run.data_dir, run.leaky) == {}


def test_secret_files_are_neither_chunked_nor_code_indexed(run: Run) -> None:
    import sqlite3

    conn = sqlite3.connect(run.data_dir / "mira.db")
    try:
        chunked = {r[0] for r in conn.execute("SELECT DISTINCT path FROM semantic_chunks"
                                              " WHERE collection = 'code'")}
        indexed = {r[0] for r in conn.execute("SELECT path FROM code_files"
                                              " WHERE status = 'indexed'")}
    finally:
        conn.close()
    assert "app/settings.py" in chunked and "docs/deploy.md" in chunked
    for path in [*SECRET_FILES, "docs/linked.md", "config.txt", ".env.production"]:
        assert path not in chunked and path not in indexed
