"""Memory through the provider's record/build API: recall, facts, summaries, a model."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from mira.core.config import load
from mira.core.context import memory_analysis as analysis
from mira.core.context.api import ContextRequest
from mira.core.context.llm import language_model
from mira.core.context.provider import create_provider
from mira.core.context.service import ContextService
from mira.core.semantic.service import SearchHit, SearchService
from mira.core.workspace import Workspace
from tests.support.gitrepo import GitRepo

EARLY = ("The payment retries use exponential backoff with jitter, implemented in "
         "billing/retry.py; we decided to cap them at five attempts.")


async def talk(provider: Any, session: str, n: int) -> None:
    for i in range(n):
        await provider.record(session, "user", f"Question {i} about the login form layout?")
        await provider.record(session, "assistant", f"Answer {i}: the layout lives in ui.")


async def test_recalls_an_earlier_message_and_a_remembered_fact(workspace: Workspace) -> None:
    provider = create_provider(workspace)
    await provider.record("s1", "user", EARLY)
    await provider.record("s1", "assistant", "Noted: five attempts with jitter.")
    await provider.record("s1", "user", "Remember that the staging database port is 5433.")
    await talk(provider, "s1", 12)
    await talk(provider, "other", 3)
    question = "How do payment retries work again?"
    await provider.record("s1", "user", question)  # the chat engine records, then builds
    built = await provider.build(ContextRequest(question, "s1"))

    # the last turns are replayed, the question itself is not duplicated
    assert len(built.history) == 6 and built.history[-1]["content"].startswith("Answer 11")
    assert all(m["content"] != question for m in built.history)
    recalled = built.system.split("## Recalled Messages")[1].split("\n## ")[0]
    assert EARLY in recalled  # 26 messages back, found by similarity
    assert "Question 0" not in recalled  # old and unrelated: not recalled
    facts = built.system.split("## Remembered Facts")[1].split("\n## ")[0]
    assert "- staging_database_port: 5433" in facts
    # summaries were rolled every 10 messages (extractive without a model)
    assert "## Conversation Summary" in built.system and "Last 10 messages:" in built.system
    # another session does not see s1's messages, but facts belong to the user
    other = await provider.build(ContextRequest(question, "other"))
    assert EARLY not in other.system and "staging_database_port" in other.system


async def test_recall_ranks_by_similarity_and_recency(workspace: Workspace) -> None:
    service = workspace.service(ContextService)
    await service.record("s", "user", "The cache invalidation bug is in the history reader.")
    await talk(service, "s", 8)
    await service.record("s", "user", "Another cache invalidation note: generation counter.")
    await talk(service, "s", 4)
    recall = await service.memory.recall("s", "cache invalidation", budget=2000)
    matched = [r for r in recall.recalled if r.similarity > 0]
    assert [r.entry.content[:11] for r in matched[:2]] == ["Another cac", "The cache i"]
    for r in recall.recalled:
        assert r.score == pytest.approx(0.7 * r.similarity + 0.3 * r.recency)
    assert [r.score for r in recall.recalled] == sorted((r.score for r in recall.recalled),
                                                        reverse=True)
    ids = [r.entry.id for r in recall.recalled] + [e.id for e in recall.history]
    assert len(ids) == len(set(ids))  # deduplicated
    tight = await service.memory.recall("s", "cache invalidation", budget=40)
    used = sum(e.tokens for e in tight.history) + sum(r.entry.tokens for r in tight.recalled)
    assert used <= 40


async def test_facts_list_and_forget(workspace: Workspace) -> None:
    service = workspace.service(ContextService)
    await service.record("s", "user", "Please remember: deploy target is eu-west-1. "
                                      "I prefer pytest fixtures over setUp methods.")
    await service.record("s", "assistant", "Remember that I am a bot.")  # not the user's fact
    facts = {f.key: f for f in await service.facts()}
    assert facts["deploy_target"].value == "eu-west-1"
    assert facts["deploy_target"].confidence == pytest.approx(0.95)
    assert facts["preference.pytest_fixtures_over_setup"].source == "preference"
    assert not any("bot" in f.value for f in facts.values())
    assert await service.forget("deploy_target") is True
    assert await service.forget("deploy_target") is False
    assert "deploy_target" not in {f.key for f in await service.facts()}


async def test_bad_input_is_rejected_and_nothing_is_lost(workspace: Workspace) -> None:
    service = workspace.service(ContextService)
    await service.record("s", "user", "first")
    with pytest.raises(ValueError, match="role must be one of"):
        await service.record("s", "robot", "x")
    with pytest.raises(ValueError, match="session_id"):
        await service.record("", "user", "x")
    await service.record("s", "user", 'weird "fts" syntax AND OR NEAR( * ^')
    recall = await service.memory.recall("s", 'NEAR( "fts" * OR', budget=1000)
    assert [e.content for e in recall.history] == ["first", 'weird "fts" syntax AND OR NEAR( * ^']


def test_salience_heuristics() -> None:
    assert analysis.heuristic_salience("user", "ok thanks!") < 0.1
    assert analysis.heuristic_salience("user", EARLY) >= analysis.SALIENT
    assert analysis.heuristic_salience("assistant", "Sure, here it is.") < analysis.SALIENT


async def test_injected_model_scores_extracts_and_summarizes(workspace: Workspace) -> None:
    prompts: list[str] = []

    def fake(prompt: str) -> str:
        prompts.append(prompt)
        if prompt.startswith("Rate"):
            return "9" if "retries" in prompt else "1"
        if prompt.startswith("Extract"):
            return "retry_limit = five attempts"
        return "- model summary of the segment"

    provider = create_provider(workspace, complete=fake)
    await provider.record("m", "user", "The retries stop after five attempts.")
    await talk(provider, "m", 5)  # 11 messages: one 10-message summary
    entries = await workspace.service(ContextService).memory.recall("m", "retries", 5000)
    assert {f.key: f.value for f in entries.facts}["retry_limit"] == "five attempts"
    assert entries.summaries[0].text == "- model summary of the segment"
    assert entries.summaries[0].method == "llm"
    assert sum(p.startswith("Rate") for p in prompts) == 11

    def broken(prompt: str) -> str:
        raise ConnectionError("model down")

    provider = create_provider(workspace, complete=broken)
    await provider.record("m", "user", "ok")  # falls back to heuristics, never fails


class _Scripted(BaseHTTPRequestHandler):
    """A minimal OpenAI-compatible chat completions endpoint with scripted answers."""

    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append({"path": self.path, "auth": self.headers.get("Authorization"),
                          **body})
        answer = "8" if body["messages"][0]["content"].startswith("Rate") else "NONE"
        data = json.dumps({"id": "x", "object": "chat.completion", "created": 0,
                           "model": body["model"], "choices": [{
                               "index": 0, "finish_reason": "stop",
                               "message": {"role": "assistant", "content": answer}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def scripted_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Scripted)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_openai_compatible_server_from_the_configuration(scripted_server: str) -> None:
    assert language_model(load(None, {})[0]) is None
    config, _ = load(None, {"OPENAI_BASE_URL": scripted_server, "MIRA_MODEL": "tiny",
                            "OPENAI_API_KEY": "k-123"})
    model = language_model(config)
    assert model is not None and model.name == "tiny"
    _Scripted.seen.clear()
    assert analysis.llm_salience(model, "user", "we decided X") == pytest.approx(0.8)
    [call] = _Scripted.seen
    assert call["path"] == "/v1/chat/completions" and call["model"] == "tiny"
    assert call["auth"] == "Bearer k-123" and call["temperature"] == 0
    assert analysis.llm_facts(model, "nothing here") == []


async def test_memory_uses_the_model_set_through_initialization_options(
        context_repo: GitRepo, scripted_server: str) -> None:
    """The bug: llmBaseUrl/model given as initializationOptions (no environment) were
    ignored by memory analysis, which read only OPENAI_BASE_URL/MIRA_MODEL."""
    config, warnings = load({"llmBaseUrl": scripted_server, "model": "tiny-from-options"}, {})
    assert warnings == []
    ws = Workspace(context_repo.root, config)
    ws.open()
    try:
        _Scripted.seen.clear()
        await create_provider(ws).record("opt", "user", "We decided to keep five retries.")
        assert _Scripted.seen, "memory analysis did not call the configured model"
        assert {c["model"] for c in _Scripted.seen} == {"tiny-from-options"}
        off, _ = load({"llmBaseUrl": scripted_server, "memoryModelAnalysis": False}, {})
        assert ContextService(Workspace(context_repo.root, off))._model is None
    finally:
        await ws.close()


class _FakeSearchService(SearchService):
    """A SearchService whose "semantic" match is known in advance (for exact assertions)."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self.added: list[tuple[str, str, str, str]] = []

    async def add_conversation(self, session_id: str, message_id: str, role: str, text: str,
                               ts: float) -> None:
        self.added.append((session_id, message_id, role, text))

    async def search_conversation(self, query: str, session_id: str | None = None,
                                  limit: int = 5) -> list[SearchHit]:
        # "semantic": matches a synonym the keyword index cannot know
        return [SearchHit(None, 0, 0, None, 0.9, t, "conversation", None, m)
                for s, m, _, t in self.added
                if s == session_id and "backoff" in t and "retry" in query][:limit]


async def test_salient_messages_go_to_the_semantic_index(workspace: Workspace) -> None:
    fake = _FakeSearchService(workspace)
    workspace._services[SearchService] = fake  # the workspace's one SearchService
    provider = create_provider(workspace)
    await provider.record("s", "user", EARLY)
    await provider.record("s", "user", "ok thanks")  # not salient: not embedded
    await talk(provider, "s", 10)
    assert [a[3] for a in fake.added][:1] == [EARLY] and "ok thanks" not in [
        a[3] for a in fake.added]
    recall = await workspace.service(ContextService).memory.recall("s", "retry logic?", 4000)
    assert recall.semantic
    [top] = [r for r in recall.recalled if r.similarity > 0]
    # found by meaning (0.9) and by its words ("retries"): the keyword match also counts
    assert top.entry.content == EARLY and top.similarity >= 0.9
