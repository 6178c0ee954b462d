"""Upgrade: a store written before the gate (secret files chunked, embedded and code-indexed,
tokens in commit subjects, fix hunks, memory and chat) is purged at the next start."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from mira.core import files, secrets
from mira.core.build.service import BuildService
from mira.core.chat.service import ChatRequest, ChatService
from mira.core.code.service import CodeService
from mira.core.config import MiraConfig
from mira.core.context.service import ContextService
from mira.core.semantic.service import SearchService
from mira.core.workspace import Workspace
from tests.support.leaky_repo import USER_GLOBS, LeakyRepo, grep_tree, leaky_fixture
from tests.support.scripted_llm import ScriptedLLM


@pytest.fixture
def server() -> Iterator[ScriptedLLM]:
    with ScriptedLLM([{"text": "ok"}]) as llm:
        yield llm


def _config(data_dir: Path, server: ScriptedLLM) -> MiraConfig:
    return MiraConfig(data_dir=str(data_dir), context_secret_globs=USER_GLOBS,
                      embedder="openai", embedding_base_url=server.base_url,
                      embedding_model="scripted", embedding_dimension=server.embedding_dimension,
                      memory_model_analysis=False, semantic_enabled=True)


def _without_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules before the gate: nothing secret, every listed path followed."""
    monkeypatch.setattr(secrets, "secret_name", lambda *a, **k: None)
    monkeypatch.setattr(secrets, "secret_content", lambda *a, **k: None)
    monkeypatch.setattr(secrets, "find", lambda text: [])
    monkeypatch.setattr(files.Gate, "inside", lambda self, p: self.root / p)  # links followed
    monkeypatch.setattr(files.Gate, "_regular_inside", lambda self, rel: True)
    monkeypatch.setattr("mira.core.workspace.purge_if_needed", lambda *args: None)


async def _old_store(leaky: LeakyRepo, config: MiraConfig) -> None:
    ws = Workspace(leaky.root, config)
    try:
        await asyncio.to_thread(ws.open)
        await asyncio.to_thread(ws.index_git)
        await asyncio.to_thread(ws.service(CodeService).index)
        await asyncio.to_thread(ws.service(SearchService).index)
        await ws.service(BuildService).mine_history()
        await ws.service(ContextService).record("s", "user", f"jwt {leaky.tokens['jwt']}")
        await ws.service(ChatService).chat(ChatRequest(f"token {leaky.tokens['npm-token']}"))
    finally:
        await ws.close()


def test_a_store_written_before_the_gate_is_purged(
        tmp_path: Path, server: ScriptedLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    leaky = leaky_fixture(tmp_path)
    data_dir = tmp_path / "data"
    config = _config(data_dir, server)
    with monkeypatch.context() as old:
        _without_gate(old)
        asyncio.run(_old_store(leaky, config))
    before = grep_tree(data_dir, leaky)
    assert len({m for found in before.values() for m in found}) > 10  # the old store leaked
    conn = sqlite3.connect(data_dir / "mira.db")
    conn.execute("DELETE FROM gate_state")  # as written before migration 0010's stamp
    conn.commit()
    conn.close()

    ws = Workspace(leaky.root, config)
    ws.open()  # the upgrade: purged at start
    assert grep_tree(data_dir, leaky) == {}
    conn = sqlite3.connect(data_dir / "mira.db")
    try:
        assert conn.execute("SELECT value FROM gate_state").fetchone() == (
            str(secrets.GATE_VERSION),)
        paths = {r[0] for r in conn.execute("SELECT DISTINCT path FROM semantic_chunks")}
        assert "app/settings.py" in paths and ".env" not in paths and "docs/linked.md" \
            not in paths and "config/credentials.json" not in paths
        code = {r[0] for r in conn.execute("SELECT path FROM code_files")}
        assert "app/payments.py" in code and "app/settings.py" in code
        subjects = " ".join(r[0] for r in conn.execute("SELECT subject FROM commits"))
        assert "[REDACTED:stripe-key]" in subjects
        # only the purged points left the vector stores: unchanged chunks stay embedded
        kept, pending = conn.execute("SELECT SUM(embedded), SUM(1 - embedded) FROM"
                                     " semantic_chunks WHERE collection = 'code'").fetchone()
        assert kept > 0 and pending > 0 and any(data_dir.glob("vectors/code-*"))
    finally:
        conn.close()

    # the purged store works: re-embedded from the redacted text, ordinary code found
    search = ws.service(SearchService)
    report = search.index()
    assert report.embedded > 0
    hits = asyncio.run(search.search("charge card payment gateway", limit=10))
    assert any(h.path == "app/settings.py" for h in hits)
    assert not any(leaky.leaks(h.snippet) for h in hits)
    assert grep_tree(data_dir, leaky) == {}
    # a second start does not purge again
    assert ws.open() is None and not grep_tree(data_dir, leaky)
    asyncio.run(ws.close())
